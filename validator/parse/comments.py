"""``# CI:DESTRUCTIVE_OK reason`` comments, found with ``tokenize`` so a string can never fake one."""
from __future__ import annotations

import ast
import io
import re
import tokenize

from validator.model import Bypass, Span

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
        for node in ast.walk(tree):
            if not isinstance(node, ast.stmt):
                continue
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                first = body[0].lineno
                end = max(node.lineno, first - 1) if first > node.lineno else node.lineno
                self.spans.append(Span(node.lineno, end))
            else:
                self.spans.append(Span(node.lineno, node.end_lineno or node.lineno))

    def covering(self, line: int) -> Span | None:
        covering = [s for s in self.spans if s.contains_line(line)]
        return min(covering, key=lambda s: s.end_line - s.line) if covering else None

    def starting(self, line: int) -> Span | None:
        starting = [s for s in self.spans if s.line == line]
        return Span(line, max(s.end_line for s in starting)) if starting else None


def python_bypasses(source: str, tree: ast.Module, token: str) -> list[Bypass]:
    """Every Python comment holding the token, with the statement it covers."""
    if token not in source:
        return []
    index = StatementIndex(tree)
    lines = source.splitlines()
    found: list[Bypass] = []
    code_lines: set[int] = set()
    comments: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments.append(tok)
            elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                                  tokenize.ENDMARKER, tokenize.ENCODING):
                code_lines.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        pass  # ast.parse accepted the file; any comments read so far still count
    for tok in comments:
        reason = reason_after(tok.string, token)
        if reason is None:
            continue
        line = tok.start[0]
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
