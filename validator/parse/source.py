"""Bytes of a revision file -> text, honouring PEP 263 coding lines; failures become Problems."""
from __future__ import annotations

import codecs
import io
import tokenize

from validator.model import PARSE_ERROR_CODE, Problem, Span


class Unreadable(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def _problem(message: str, line: int = 1) -> Unreadable:
    return Unreadable(Problem(PARSE_ERROR_CODE, message, Span(line, line)))


def decode(data: bytes | OSError) -> str:
    """Decode like the Python interpreter would, or raise ``Unreadable``."""
    if isinstance(data, OSError):
        raise _problem(f"cannot read the file: {data.strerror or data}")
    nul = data.find(b"\0")
    if nul >= 0:
        raise _problem("binary file: it contains a NUL byte, so it is not a Python revision",
                       data.count(b"\n", 0, nul) + 1)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise _problem(f"bad coding declaration: {exc.msg if hasattr(exc, 'msg') else exc}",
                       getattr(exc, "lineno", None) or 1) from None
    try:
        codecs.lookup(encoding)
        text = data.decode(encoding)
    except LookupError:
        raise _problem(f"unknown encoding {encoding!r} in the coding line") from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _problem(f"cannot decode byte {data[exc.start:exc.start + 1]!r} as {encoding}: "
                       "add a PEP 263 coding line or save the file as UTF-8", line) from None
    return text.removeprefix("\ufeff")
