"""Python string literals -> text that remembers where each character came from.

SQL reported by migration-guard must point at its own line in the ``.py`` file, so a
literal is decoded here by hand: escapes, implicit concatenation, raw strings and
f-strings all keep a map from text offset back to (line, column).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

# The form a placeholder takes in SQL text: a plain identifier PostgreSQL accepts.
PLACEHOLDER = "mg_param_{}"
PLACEHOLDER_RE = re.compile(r"mg_param_(\d+)")

_SIMPLE_ESCAPES = {
    "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
}
_NUMERIC_ESCAPES = set("01234567xuUN")
_PREFIX = re.compile(r"[rRbBuUfF]{0,2}")
_PLAIN = {q: re.compile(r"[^\\%s]+" % q) for q in "'\""}
_PLAIN_F = {q: re.compile(r"[^\\%s{}]+" % q) for q in "'\""}


@dataclass(frozen=True)
class SqlText:
    """Text plus breakpoints ``(offset, line, column)``; between breakpoints source and text advance together."""

    text: str
    marks: tuple[tuple[int, int, int], ...]
    placeholders: tuple[str, ...] = ()  # the source of each ``{...}`` field, by number

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column), both 1-based, of the character at ``offset``."""
        if not self.marks:
            return 1, 1
        i = bisect.bisect_right(self.marks, (offset, float("inf"), 0)) - 1
        base, line, col = self.marks[max(i, 0)]
        if offset < base:
            return line, col
        chunk = self.text[base:offset]
        newlines = chunk.count("\n")
        if newlines:
            return line + newlines, offset - (base + chunk.rindex("\n") + 1) + 1
        return line, col + (offset - base)

    def __add__(self, other: "SqlText") -> "SqlText":
        shift = len(self.text)
        renumber = _renumber(other, len(self.placeholders))
        marks = self.marks + tuple((o + shift, l, c) for o, l, c in renumber.marks)
        return SqlText(self.text + renumber.text, marks, self.placeholders + renumber.placeholders)

    def restore(self, text: str) -> str:
        """Put the original ``{expr}`` back where placeholders stand in ``text``."""
        if not self.placeholders:
            return text

        def back(m: re.Match[str]) -> str:
            i = int(m.group(1))
            return "{" + self.placeholders[i] + "}" if i < len(self.placeholders) else m.group(0)

        return PLACEHOLDER_RE.sub(back, text)


def _renumber(text: SqlText, start: int) -> SqlText:
    if not text.placeholders or start == 0:
        return text
    new = PLACEHOLDER_RE.sub(lambda m: PLACEHOLDER.format(int(m.group(1)) + start), text.text)
    if len(new) == len(text.text):
        return SqlText(new, text.marks, text.placeholders)
    # Renumbering changed lengths: keep positions at the granularity of each line start.
    return SqlText(new, _reline(text, new), text.placeholders)


def _reline(old: SqlText, new: str) -> tuple[tuple[int, int, int], ...]:
    marks = []
    old_starts = [0] + [m.end() for m in re.finditer("\n", old.text)]
    new_starts = [0] + [m.end() for m in re.finditer("\n", new)]
    for o, n in zip(old_starts, new_starts):
        line, col = old.position(o)
        marks.append((n, line, col))
    return tuple(marks)


def literal(source: str, line: int, col: int) -> SqlText | None:
    """Decode the string literal tokens of one expression's source (implicit concatenation allowed).

    ``source`` is the exact source of the expression; ``line``/``col`` (1-based) is where it
    starts. Returns None when the source is not only string literals (or holds bytes).
    """
    scanner = _Scanner(source, line, col)
    return scanner.run()


class _Scanner:
    def __init__(self, source: str, line: int, col: int):
        self.src, self.i, self.line, self.col = source, 0, line, col
        self.out: list[str] = []
        self.size = 0
        self.marks: list[tuple[int, int, int]] = []
        self.fields: list[str] = []

    def advance(self, n: int) -> None:
        chunk = self.src[self.i:self.i + n]
        nl = chunk.count("\n")
        if nl:
            self.line += nl
            self.col = n - chunk.rindex("\n")
        else:
            self.col += n
        self.i += n

    def emit(self, text: str, *, mark: bool) -> None:
        if mark:
            self.marks.append((self.size, self.line, self.col))
        self.out.append(text)
        self.size += len(text)

    def run(self) -> SqlText | None:
        while self.i < len(self.src):
            ch = self.src[self.i]
            if ch in " \t\r\n\f()":
                self.advance(1)
            elif ch == "\\" and self.src.startswith("\\\n", self.i):
                self.advance(2)
            elif ch == "#":
                end = self.src.find("\n", self.i)
                self.advance((end if end >= 0 else len(self.src)) - self.i)
            else:
                m = _PREFIX.match(self.src, self.i)
                prefix = m.group(0).lower()
                quote_at = m.end()
                if quote_at >= len(self.src) or self.src[quote_at] not in "'\"" or "b" in prefix:
                    return None
                self.advance(quote_at - self.i)
                if not self.string(prefix):
                    return None
        return SqlText("".join(self.out), tuple(self.marks), tuple(self.fields))

    def string(self, prefix: str) -> bool:
        q = self.src[self.i]
        quote = q * 3 if self.src.startswith(q * 3, self.i) else q
        self.advance(len(quote))
        raw, fmt = "r" in prefix, "f" in prefix
        self.marks.append((self.size, self.line, self.col))
        while self.i < len(self.src):
            if self.src.startswith(quote, self.i):
                self.advance(len(quote))
                return True
            ch = self.src[self.i]
            if ch == "\\":
                if not self.escape(raw):
                    return False
            elif fmt and ch in "{}":
                if self.src.startswith(ch * 2, self.i):
                    self.emit(ch, mark=True)
                    self.advance(2)
                    self.marks.append((self.size, self.line, self.col))
                elif ch == "{":
                    if not self.field():
                        return False
                else:
                    return False
            else:
                run = self.plain_run(quote, fmt)
                self.emit(run, mark=False)
                self.advance(len(run))
        return False

    def plain_run(self, quote: str, fmt: bool) -> str:
        """The longest run of characters that needs no decoding (at least one character)."""
        pattern = _PLAIN_F[quote[0]] if fmt else _PLAIN[quote[0]]
        m = pattern.match(self.src, self.i)
        return m.group(0) if m and m.end() > self.i else self.src[self.i]

    def escape(self, raw: bool) -> bool:
        nxt = self.src[self.i + 1:self.i + 2]
        if raw:
            self.emit(self.src[self.i:self.i + 2], mark=False)
            self.advance(2)
            return True
        if nxt == "\n":
            self.advance(2)
        else:
            m = re.compile(r"\\(?:[0-7]{1,3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]*\}|.)", re.S)\
                .match(self.src, self.i)
            seq = m.group(0)
            value = _decode_escape(seq)
            self.emit(value, mark=True)
            self.advance(len(seq))
        self.marks.append((self.size, self.line, self.col))
        return True

    def field(self) -> bool:
        """An f-string ``{expr[!r][:spec]}``: emit a placeholder identifier in its place."""
        depth, j = 0, self.i
        while j < len(self.src):
            c = self.src[j]
            if c in "'\"":
                close = self.src.find(c, j + 1)
                if close < 0:
                    return False
                j = close
            elif c in "{[(":
                depth += 1
            elif c in "}])":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        else:
            return False
        expr = self.src[self.i + 1:j]
        self.emit(PLACEHOLDER.format(len(self.fields)), mark=True)
        self.fields.append(expr.strip())
        self.advance(j + 1 - self.i)
        self.marks.append((self.size, self.line, self.col))
        return True


def _decode_escape(seq: str) -> str:
    body = seq[1:]
    if body in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[body]
    if body[:1] not in _NUMERIC_ESCAPES:
        return seq  # an unknown escape stays as written, as Python keeps it
    try:
        return seq.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return seq  # an unknown escape stays as written, as Python keeps it


def format_fields(text: SqlText, style: str) -> SqlText:
    """Replace ``str.format`` fields (``{}``/``{name}``) or ``%`` fields with placeholders."""
    pattern = re.compile(r"\{\{|\}\}|\{[^{}]*\}") if style == "format" else \
        re.compile(r"%%|%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[sdrfi]|%[-#0 +]*\d*(?:\.\d+)?[sdrfi]")
    pieces: list[SqlText] = []
    last = 0
    fields: list[str] = list(text.placeholders)
    for m in pattern.finditer(text.text):
        pieces.append(_slice(text, last, m.start()))
        token = m.group(0)
        line, col = text.position(m.start())
        if token in ("{{", "}}", "%%"):
            value, placeholder = token[0], None
        else:
            value, placeholder = PLACEHOLDER.format(len(fields)), token.strip("{}%()")
            fields.append(placeholder or "…")
        pieces.append(SqlText(value, ((0, line, col),)))
        last = m.end()
    pieces.append(_slice(text, last, len(text.text)))
    joined = SqlText("", ())
    for piece in pieces:
        joined = _join(joined, piece)
    return SqlText(joined.text, joined.marks, tuple(fields))


def _slice(text: SqlText, start: int, end: int) -> SqlText:
    if start >= end:
        return SqlText("", ())
    line, col = text.position(start)
    marks = [(0, line, col)] + [(o - start, l, c) for o, l, c in text.marks if start < o < end]
    return SqlText(text.text[start:end], tuple(marks))


def _join(left: SqlText, right: SqlText) -> SqlText:
    shift = len(left.text)
    return SqlText(left.text + right.text, left.marks + tuple((o + shift, l, c) for o, l, c in right.marks))


def substitute(text: SqlText, values: dict[int, SqlText]) -> SqlText:
    """Put resolved values in place of placeholders; the rest are renumbered in order."""
    if not values:
        return text
    out = SqlText("", ())
    fields: list[str] = []
    last = 0
    for m in PLACEHOLDER_RE.finditer(text.text):
        i = int(m.group(1))
        out = _join(out, _slice(text, last, m.start()))
        if i in values:
            out = _join(out, values[i])
        else:
            line, col = text.position(m.start())
            out = _join(out, SqlText(PLACEHOLDER.format(len(fields)), ((0, line, col),)))
            fields.append(text.placeholders[i] if i < len(text.placeholders) else "…")
        last = m.end()
    out = _join(out, _slice(text, last, len(text.text)))
    return SqlText(out.text, out.marks, tuple(fields))


_OTHER_LINE_BREAKS = re.compile("[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def _plain_line_breaks(text: str) -> bool:
    """No character that ``str.splitlines`` breaks at but Python's tokenizer does not."""
    if text.isascii():  # five substring scans run faster than one regex over the file
        return not any(c in text for c in "\v\f\x1c\x1d\x1e")
    return _OTHER_LINE_BREAKS.search(text) is None


class Source:
    """The file's lines, for cutting out a node's text without rescanning the whole file."""

    def __init__(self, text: str):
        self.text = text
        # only the line ends Python's tokenizer counts (str.splitlines also splits on \f, \x1c...)
        if _plain_line_breaks(text):
            self.lines = text.splitlines(keepends=True)
        else:
            self.lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)

    def _column(self, line: int, byte_offset: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_offset
        return len(text.encode("utf-8", "surrogatepass")[:byte_offset].decode("utf-8", "ignore"))

    def start(self, node) -> tuple[int, int]:
        """(line, 1-based character column) of a node; AST columns count UTF-8 bytes."""
        return node.lineno, self._column(node.lineno, node.col_offset) + 1

    def segment(self, node) -> str:
        """The source text of an AST node (like ``ast.get_source_segment``, in O(node size))."""
        end_line = getattr(node, "end_lineno", None)
        if end_line is None or getattr(node, "lineno", None) is None:
            return ""
        first, last = node.lineno, end_line
        start = self._column(first, node.col_offset)
        end = self._column(last, node.end_col_offset)
        if first == last:
            return self.lines[first - 1][start:end]
        middle = "".join(self.lines[first:last - 1])
        return self.lines[first - 1][start:] + middle + self.lines[last - 1][:end]
