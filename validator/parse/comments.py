"""``# CI:DESTRUCTIVE_OK reason`` comments, found with ``tokenize`` so a string can never fake one."""
from __future__ import annotations

import ast
import io
import re
import tokenize

from validator.model import Bypass, Span
from validator.parse.strings import Source

_SEPARATORS = " \t-–—:=>|"


def reason_after(comment: str, token: str) -> str | None:
    """The reason that follows ``token`` in a comment; None when the token is absent."""
    # the whole token only ("CI:DESTRUCTIVE_OKAY" is not it), though "CI:DESTRUCTIVE_OK: why" is
    m = re.search(re.escape(token) + r"(?!\w|:\S)", comment)
    if not m:
        return None
    reason = comment[m.end():].strip().lstrip(_SEPARATORS).strip()
    return reason if any(c.isalnum() for c in reason) else ""


class StatementIndex:
    """Line -> the innermost simple statement (or compound header) that covers it."""

    def __init__(self, tree: ast.Module):
        self.spans: list[Span] = []
        self.extents: list[tuple[int, int]] = []  # whole statements, decorators included
        pending: list[ast.stmt] = list(tree.body)
        while pending:
            node = pending.pop()
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
            self.extents.append((first, node.end_lineno or node.lineno))
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                first_inner = body[0].lineno
                end = max(node.lineno, first_inner - 1) if first_inner > node.lineno else node.lineno
                self.spans.append(Span(node.lineno, end))
                for name in ("body", "orelse", "finalbody"):
                    pending += getattr(node, name, None) or []
                for inner in getattr(node, "handlers", None) or getattr(node, "cases", None) or []:
                    pending += inner.body
            else:
                self.spans.append(Span(node.lineno, node.end_lineno or node.lineno))

    def covering(self, line: int) -> Span | None:
        covering = [s for s in self.spans if s.contains_line(line)]
        return min(covering, key=lambda s: s.end_line - s.line) if covering else None

    def starting(self, line: int) -> Span | None:
        starting = [s for s in self.spans if s.line == line]
        return Span(line, max(s.end_line for s in starting)) if starting else None

    def lexical_start(self, line: int) -> int:
        """A line at or before ``line`` where tokenizing can begin: no string or bracket is open there.

        Every statement begins outside strings and brackets, so the innermost one holding
        ``line`` does; a line no statement holds is outside them already.
        """
        holding = [first for first, last in self.extents if first <= line <= last]
        return max(holding) if holding else line


def python_bypasses(source: str, tree: ast.Module, token: str) -> list[Bypass]:
    """Every Python comment holding the token, with the statement it covers.

    Only the statements on lines where the token appears are tokenized: a whole file
    costs a millisecond or more with the pure-Python tokenizer, and the token is rare.
    """
    if token not in source:
        return []
    physical = Source(source).lines  # split where the tokenizer splits, so line numbers agree
    lines = [text.rstrip("\r\n") for text in physical]
    index = StatementIndex(tree)
    comments: dict[int, str] = {}  # line -> comment text
    code_lines: set[int] = set()
    for line in (n for n, text in enumerate(lines, 1) if token in text):
        start = index.lexical_start(line)
        for tok in _tokens("".join(physical[start - 1:line])):
            row = tok.start[0] + start - 1
            if tok.type == tokenize.COMMENT:
                comments.setdefault(row, tok.string)
            elif tok.type not in LAYOUT:
                code_lines.update(range(row, tok.end[0] + start))
    return bypasses_from(comments, code_lines, index, lines, token)


def bypasses_from(comments: dict[int, str], code_lines: set[int], index: StatementIndex, lines: list[str],
                  token: str) -> list[Bypass]:
    """The bypasses among ``comments`` (line -> text), each with the statement it covers.

    A comment sharing its line with code (``code_lines``) covers that line's statement;
    one alone on its line covers the statement that starts on the next line of code.
    """
    found: list[Bypass] = []
    for line in sorted(comments):
        reason = reason_after(comments[line], token)
        if reason is None:
            continue
        if line in code_lines:
            scope = index.covering(line)
        else:
            scope = None
            for nxt in range(line + 1, len(lines) + 1):
                stripped = lines[nxt - 1].strip()
                if stripped.startswith("#"):
                    continue
                scope = index.starting(nxt) if stripped else None
                break
        found.append(Bypass(line, reason, scope or Span(line, line)))
    return found


LAYOUT = (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER, tokenize.ENCODING)


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    """The tokens of ``text`` up to where it stops being complete Python (a cut statement)."""
    found = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            found.append(tok)
    except (tokenize.TokenError, SyntaxError):
        pass  # the fragment ends inside a bracket or string: what was read so far still counts
    return found
