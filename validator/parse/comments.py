"""``# CI:DESTRUCTIVE_OK reason`` comments, found with ``tokenize`` so a string can never fake one."""
from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import replace

from ..model import Bypass, Span
from .sql import SqlAnalysis, SqlComment
from .strings import Source, SqlText

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
        self.nodes: list[ast.stmt] = []  # the statement of each span
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
                self.nodes.append(node)
                for name in ("body", "orelse", "finalbody"):
                    pending += getattr(node, name, None) or []
                for inner in getattr(node, "handlers", None) or getattr(node, "cases", None) or []:
                    pending += inner.body
            else:
                self.spans.append(Span(node.lineno, node.end_lineno or node.lineno))
                self.nodes.append(node)

    def covering(self, line: int) -> Span | None:
        found = self._innermost(line)
        return self.spans[found] if found is not None else None

    def _innermost(self, line: int) -> int | None:
        covering = [i for i, s in enumerate(self.spans) if s.contains_line(line)]
        return min(covering, key=lambda i: self.spans[i].end_line - self.spans[i].line) if covering else None

    def element(self, line: int, following: bool = False) -> Span | None:
        """The element(s) of the innermost multi-line list, tuple, set or dict on ``line``.

        ``following``: the element that starts on ``line`` (for a comment alone on the line
        above it). None when ``line`` is not inside such a display, or holds none of its elements.
        """
        found = self._innermost(line)
        if found is None:
            return None
        displays = [n for n in ast.walk(self.nodes[found]) if isinstance(n, _DISPLAYS)
                    and n.lineno <= line <= (n.end_lineno or n.lineno) and n.lineno < (n.end_lineno or n.lineno)]
        if not displays:
            return None
        display = max(displays, key=lambda n: (n.lineno, -(n.end_lineno or n.lineno)))
        touching = [(first, last) for first, last in _elements(display)
                    if (first == line if following else first <= line <= last)]
        if not touching:
            return None
        return Span(min(first for first, _ in touching), max(last for _, last in touching))

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
        element = None
        if line in code_lines:
            element = index.element(line)
            scope = element or index.covering(line)
        else:
            scope = None
            for nxt in range(line + 1, len(lines) + 1):
                stripped = lines[nxt - 1].strip()
                if stripped.startswith("#"):
                    continue
                if stripped:  # a statement that starts there, else the list element that does
                    scope = index.starting(nxt)
                    element = None if scope else index.element(nxt, following=True)
                    scope = scope or element
                break
        found.append(Bypass(line, reason, scope or Span(line, line), element=element is not None))
    return found


def _elements(display: ast.expr) -> list[tuple[int, int]]:
    """(first line, last line) of each element of a display; a dict's key and value are one element."""
    if isinstance(display, ast.Dict):
        return [((key or value).lineno, value.end_lineno or value.lineno)
                for key, value in zip(display.keys, display.values)]
    return [(e.lineno, e.end_lineno or e.lineno) for e in display.elts]


_DISPLAYS = (ast.List, ast.Tuple, ast.Set, ast.Dict)


def sql_bypass(found: dict[tuple[int, int], Bypass], text: SqlText, analysis: SqlAnalysis, comment: SqlComment,
               token: str) -> None:
    """Add the bypass an SQL comment makes to ``found`` (keyed by where it stands).

    It covers one SQL statement: the one it is written in; else the one that follows it
    on its line; else the one it trails on the line where that one ends; else the next.
    Inside a ``DO`` body the body's statements are the candidates; a comment above ``DO``
    covers the block itself, not the statements in its body.
    """
    reason = reason_after(comment.text.removesuffix("*/"), token)
    if reason is None:
        return
    line, column = text.position(comment.start)
    target = _sql_target(analysis, comment, text.text)
    if target is None:
        bypass = Bypass(line, reason, Span(line, line), in_sql=True)
    else:
        start, end = target
        nested = _body_statements(analysis, text.text)
        # an operation in a DO body belongs to its own statement, unless the target is in the body too
        starts = {text.position(o.start) for o in analysis.ops if start <= o.start and o.end <= end
                  and ((o.start, o.end) == target or target in nested or (o.start, o.end) not in nested)}
        first = text.position(start)
        scope = Span(first[0], max(first[0], text.position(max(end - 1, start))[0]), first[1])
        body = target not in nested and any(start <= s and e <= end for s, e in nested)
        note = "it stands outside a DO block's body and covers the block itself; put it on or above the " \
            "statement in the body it is for" if body else ""
        bypass = Bypass(line, reason, scope, in_sql=True, starts=tuple(sorted(starts)), note=note)
    known = found.get((line, column))
    if known is not None:  # the same SQL reached again (a helper called twice): one comment, one bypass
        bypass = replace(known, starts=tuple(sorted(set(known.starts) | set(bypass.starts))))
    found[(line, column)] = bypass


_HOLDS_CODE = re.compile(r"(?:DO|CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE))\b", re.I)


def _body_statements(analysis: SqlAnalysis, text: str) -> set[tuple[int, int]]:
    """(start, end) of the statements read from the bodies of ``DO`` blocks and functions."""
    holders = [s for s in analysis.statements if _HOLDS_CODE.match(text, s[0])]
    return {(o.start, o.end) for o in analysis.ops
            if any(h[0] <= o.start and o.end <= h[1] and (o.start, o.end) != h for h in holders)}


def _sql_target(analysis: SqlAnalysis, comment: SqlComment, text: str) -> tuple[int, int] | None:
    at, after = comment.start, comment.start + len(comment.text)
    nested = sorted(_body_statements(analysis, text))
    candidates = list(analysis.statements)
    holder = next((s for s in candidates if s[0] < at < s[1]), None)
    while holder is not None:
        body = [s for s in nested if holder[0] <= s[0] and s[1] <= holder[1] and s != holder]
        if not body:
            return holder
        # the outermost statements of the body, then look again one level down
        candidates = [s for s in body if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in body)]
        nested = body
        inner = next((s for s in candidates if s[0] < at < s[1]), None)
        if inner is None:
            break
        holder = inner
    following = next((s for s in candidates if s[0] >= after), None)
    trailed = next((s for s in reversed(candidates) if s[1] <= at), None)
    if following is not None and "\n" not in text[after:following[0]]:
        return following
    if trailed is not None and "\n" not in text[trailed[1]:at]:
        return trailed
    if following is not None:
        return following
    return holder if holder is not None and holder[0] < at < holder[1] else None


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
