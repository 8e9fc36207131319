"""Bytes of a revision file -> the text and syntax tree CPython would read; refusals become Problems.

CPython decides, as when Alembic imports the revision (importlib compiles its bytes): the
tree comes from the bytes themselves, so a coding line (PEP 263), the UTF-8 default
(PEP 3120) and a byte-order mark are applied by the interpreter's own tokenizer, and a
file it refuses is refused here, at the line it names. The text is
decoded the same way and its line ends translated as the interpreter translates them
(``\\r\\n`` and a lone ``\\r`` become ``\\n``), so every line number and string value read
from the text agrees with the tree.
"""
from __future__ import annotations

import ast
import codecs
import re
import warnings

from ..model import PARSE_ERROR_CODE, Problem, Span

_LINE_END = re.compile(rb"\r\n|\r|\n")


class Unreadable(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def _problem(message: str, line: int = 1, statement: str = "") -> Unreadable:
    return Unreadable(Problem(PARSE_ERROR_CODE, message, Span(line, line), statement))


def line_of(data: bytes, offset: int) -> int:
    """The 1-based line holding byte ``offset``, counting ``\\n``, ``\\r\\n`` and ``\\r`` line ends."""
    return len(_LINE_END.findall(data, 0, offset)) + 1


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK = re.compile(rb"^[ \t\f]*(?:#|$)")
_BOM = b"\xef\xbb\xbf"


def _encoding(data: bytes) -> str:
    """The encoding CPython reads ``data`` in: a coding line on line 1, or on line 2 below a comment.

    Lines are split where CPython splits them (``\\r`` too), and a line that is not valid
    UTF-8 may still hold the coding line, as the interpreter allows.
    """
    bom = data.startswith(_BOM)
    lines = _LINE_END.split(data[3:] if bom else data, 2)[:2]
    cookie = None
    for i, line in enumerate(lines):
        m = _COOKIE.match(line)
        if m:
            cookie = m.group(1).decode("ascii")
            break
        if i == 0 and not _BLANK.match(line):
            break
    if cookie is None:
        return "utf-8-sig" if bom else "utf-8"
    try:
        name = codecs.lookup(cookie).name
    except LookupError:
        raise _problem(f"unknown encoding {cookie!r} in the coding line", i + 1) from None
    if bom and name != "utf-8":
        raise _problem(f"the file starts with a UTF-8 byte-order mark but its coding line says {cookie}")
    return "utf-8-sig" if bom else name


def decode(data: bytes | OSError, errors: str = "strict") -> str:
    """Decode like the Python interpreter would, line ends translated, or raise ``Unreadable``.

    ``errors="replace"`` is for bytes CPython has accepted: it lets undecodable bytes stand
    in comments, where the interpreter never decodes them.
    """
    if isinstance(data, OSError):
        raise _problem(f"cannot read the file: {data.strerror or data}")
    nul = data.find(b"\0")
    if nul >= 0:
        raise _problem("binary file: it contains a NUL byte, so it is not a Python revision", line_of(data, nul))
    encoding = _encoding(data)
    skip = len(_BOM) if encoding == "utf-8-sig" else 0  # so offsets in errors count from the file's start
    try:
        text = data[skip:].decode("utf-8" if skip else encoding, errors)
    except LookupError:  # a codec that does not make text (``hex``, ``rot13``)
        raise _problem(f"the coding line names {encoding!r}, which does not decode bytes to text") from None
    except UnicodeDecodeError as exc:
        at = skip + exc.start
        raise _problem(f"cannot decode byte {data[at:at + 1]!r} as {encoding}: "
                       "add a PEP 263 coding line or save the file as UTF-8", line_of(data, at)) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read(data: bytes | OSError, path: str) -> tuple[str, ast.Module]:
    """The text and the tree CPython reads from a file's bytes, or ``Unreadable`` where it refuses them."""
    if isinstance(data, OSError) or b"\0" in data:
        decode(data)  # raises with the reason
    try:
        with warnings.catch_warnings():  # the revision's own escape-sequence warnings are not ours to print
            warnings.simplefilter("ignore")
            tree = ast.parse(data, filename=path)
    except SyntaxError as exc:
        line = exc.lineno or 1
        if exc.msg.startswith("(unicode error)") or not exc.lineno:
            try:
                decode(data)
            except Unreadable as unreadable:  # the same refusal, said for a reader of the revision
                raise _problem(unreadable.problem.message, line) from None
            raise _problem(f"CPython cannot decode the file: {exc.msg}", line) from None
        raise _problem(f"Python syntax error: {exc.msg}", line,
                       (exc.text or "").strip() if isinstance(exc.text, str) else "") from None
    except (ValueError, MemoryError) as exc:
        raise _problem(f"cannot parse the file: {exc}") from None
    except RecursionError:
        raise _problem("cannot parse the file: it nests too deeply") from None
    return decode(data, "replace"), tree
