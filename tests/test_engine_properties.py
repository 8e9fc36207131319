"""Property tests: whatever bytes arrive, the engine answers, reads them as CPython does, and loses no finding.

- Arbitrary bytes and text never raise; a file CPython refuses is MG901, never a pass.
- The text the parser works on is the text CPython reads: parsed again, it gives the same tree
  with the same positions, whatever the coding line, byte-order mark or line ends.
- Fixture revisions rewritten in ways that do not change what they do (other line ends, a
  byte-order mark, a coding line, a comment between statements) keep every finding, at the
  shifted line; mutated at random, they never raise.
"""
from __future__ import annotations

import ast
import sys
import warnings
from pathlib import Path

from hypothesis import HealthCheck, assume, example, given, settings, strategies as st

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from migration_guard.config import Settings
from migration_guard.engine import lint_sources
from migration_guard.parse.source import Unreadable, read

ROOT = Path(__file__).resolve().parent.parent
PATH = "alembic/versions/0001_case.py"
PROPERTY = settings(max_examples=int(__import__("os").environ.get("MG_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fixture_sources() -> list[str]:
    found = []
    for folder in ("rules", "shapes"):
        for path in sorted((ROOT / "tests" / "fixtures" / folder).glob("*.toml")):
            found += [c["source"] for c in tomllib.loads(path.read_text(encoding="utf-8"))["case"]
                      if "coding" not in c["source"] and "\0" not in c["source"]]
    return [s for s in found if _parses(s)]


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


FIXTURES = _fixture_sources()


def _lint(data: bytes):
    return lint_sources([(PATH, data)], Settings(), jobs=1)


def _findings(data: bytes) -> list[tuple[str, int, bool, str]]:
    return [(f.code, f.line, f.bypassed, f.severity.value) for f in _lint(data).findings]


def _cpython_refuses(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, PATH, "exec", ast.PyCF_ONLY_AST)
    except (SyntaxError, ValueError):
        return True
    return False


def _check_answer(data: bytes) -> None:
    # the same bytes as a sibling revision too: the revision-graph rules read those on their own path
    report = lint_sources([(PATH, data)], Settings(), [("alembic/versions/0002_sibling.py", data)], jobs=1)
    lines = len(data.splitlines()) + 1
    assert all(1 <= f.line <= max(lines, 1) + 1 for f in report.findings), report.findings
    if _cpython_refuses(data):
        assert [f.code for f in report.findings if f.code == "MG901"], "a file CPython refuses passed"


@PROPERTY
@given(st.binary(max_size=400))
@example(b"\xef\xbb\xbf# coding: latin-1\n")
@example(b"x = 1\rdef f(:\r")
@example(b"\x00")
def test_arbitrary_bytes_are_answered(data: bytes) -> None:
    _check_answer(data)


@PROPERTY
@given(st.text(max_size=400))
def test_arbitrary_text_is_answered(text: str) -> None:
    _check_answer(text.encode("utf-8", "surrogatepass"))


# Source made of pieces that stress decoding and line counting.
_PIECES = st.sampled_from([
    "x = 1", "def upgrade():", "    op.drop_table('t')", "    pass", "s = '''", "'''", "s = 'é€'", "# é",
    "\f", "\fy = 2", "z = '\\r'", "if x:\\", "  x", "op.execute(\"DROP TABLE a; -- CI:DESTRUCTIVE_OK r\")",
    "t = \"\"\"\nDROP TABLE b;\n\"\"\"", "u = '\u2028\x85\x0b'", "", "#!/usr/bin/env python",
])
_CODINGS = st.sampled_from([None, "utf-8", "latin-1", "cp1252", "ascii", "utf-16", "bogus-codec", "hex", "rot13"])


@st.composite
def encoded_sources(draw) -> bytes:
    lines = draw(st.lists(_PIECES, max_size=12))
    coding = draw(_CODINGS)
    if coding:
        lines.insert(draw(st.integers(0, min(2, len(lines)))), f"# -*- coding: {coding} -*-")
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = ending.join(lines) + draw(st.sampled_from(["", ending]))
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "cp1252"]))
    data = text.encode(encoding, "replace")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + data


@PROPERTY
@given(encoded_sources())
def test_the_text_read_is_the_text_cpython_reads(data: bytes) -> None:
    _check_answer(data)
    assume(not _cpython_refuses(data))
    try:
        text, tree = read(data, PATH)
    except Unreadable as exc:
        raise AssertionError(f"CPython reads the file, the reader refuses it: {exc.problem.message}") from None
    assert "\r" not in text
    from_bytes = ast.dump(tree, include_attributes=True)
    assert ast.dump(ast.parse(text), include_attributes=True) == from_bytes


def _rewrite(source: str, how: str) -> tuple[bytes, int, int]:
    """(bytes, first line shifted, shift) for a rewrite that leaves what the revision does unchanged."""
    if how == "crlf":
        return source.replace("\n", "\r\n").encode(), 0, 0
    if how == "cr":
        return source.replace("\n", "\r").encode(), 0, 0
    if how == "bom":
        return b"\xef\xbb\xbf" + source.encode(), 0, 0
    if how == "coding":
        return ("# -*- coding: utf-8 -*-\n" + source).encode(), 1, 1
    # a comment line above a top-level statement
    tree = ast.parse(source)
    line = tree.body[-1].lineno if tree.body else 1
    decorated = getattr(tree.body[-1], "decorator_list", None) if tree.body else None
    line = min([line] + [d.lineno for d in decorated or []])
    lines = source.split("\n")
    lines.insert(line - 1, "# a comment between statements")
    return "\n".join(lines).encode(), line, 1


@PROPERTY
@given(st.sampled_from(FIXTURES), st.sampled_from(["crlf", "cr", "bom", "coding", "comment"]))
def test_rewritten_fixtures_keep_every_finding(source: str, how: str) -> None:
    data, first, shift = _rewrite(source, how)
    expected = [(code, line + shift if line >= first > 0 else line, bypassed, severity)
                for code, line, bypassed, severity in _findings(source.encode())]
    assert sorted(_findings(data)) == sorted(expected)


@PROPERTY
@given(st.sampled_from(FIXTURES), st.data())
def test_mutated_fixtures_are_answered(source: str, data: st.DataObject) -> None:
    raw = bytearray(source.encode())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw)))
        kind = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = data.draw(st.sampled_from(list(b"\n\r\f\\'\"#;$-*/(){}[]: \t\x00\xe9\xff") + [ord("a")]))
        if kind == "insert":
            raw[at:at] = bytes([byte])
        elif at < len(raw):
            raw[at:at + 1] = b"" if kind == "delete" else bytes([byte])
    _check_answer(bytes(raw))


# -- a bypass never covers more than one statement ------------------------------------------------
HEAD = "from alembic import op\n\n\ndef upgrade():\n"
REASON = "CI:DESTRUCTIVE_OK reviewed"


@st.composite
def bypassed_layouts(draw) -> tuple[str, str | None]:
    """(revision source, table of the statement the bypass directly precedes or sits in, if any)."""
    tables = [f"t{i}" for i in range(draw(st.integers(1, 4)))]
    statements = [draw(st.sampled_from(["DROP TABLE {}", "TRUNCATE {}", "DELETE FROM {}"])).format(t)
                  for t in tables]
    at = draw(st.integers(0, len(statements)))  # where the comment goes: before statement ``at``
    layout = draw(st.sampled_from(["one_line", "escaped_lines", "triple_quoted", "list", "python_trailing"]))
    block = draw(st.booleans())
    comment = f"/* {REASON} */ " if block else f"-- {REASON}\n"
    if layout in ("one_line", "escaped_lines", "triple_quoted"):
        joiner = ";\n" if layout != "one_line" else "; "
        text = ""
        for i, statement in enumerate(statements):
            text += (comment if i == at else "") + statement + (joiner if i < len(statements) - 1 else ";")
        if at == len(statements):
            text += " " + comment
        if layout == "triple_quoted":
            body = '    op.execute("""\n' + text + '\n""")\n'
        else:
            body = "    op.execute(" + _py_string(text) + ")\n"
        # a comment after a statement on its line, with no statement following on that line, trails it
        trails = at == len(tables) or (layout == "one_line" and not block and at > 0)
        return HEAD + body, tables[at - 1] if trails else tables[at]
    if layout == "list":
        lines = [f"    {_py_string(s)}," for s in statements]
        own_line = draw(st.booleans())
        if at < len(lines):
            if own_line:
                lines.insert(at, f"    # {REASON}")
            else:
                lines[at] += f"  # {REASON}"
        body = "STATEMENTS = [\n" + "\n".join(lines) + "\n]\n"
        return (HEAD.replace("def upgrade", body + "\n\ndef upgrade")
                + "    for s in STATEMENTS:\n        op.execute(s)\n"), (tables[at] if at < len(tables) else None)
    text = "; ".join(statements)
    target = tables[0] if len(tables) == 1 else None
    return HEAD + f"    op.execute({_py_string(text)})  # {REASON}\n", target


def _py_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@PROPERTY
@given(bypassed_layouts(), st.sampled_from(["\n", "\r\n", "\r"]))
def test_a_bypass_covers_at_most_the_one_statement_it_precedes(layout: tuple[str, str | None], ending: str) -> None:
    source, target = layout
    report = _lint(source.replace("\n", ending).encode())
    destructive = [f for f in report.findings if f.code in ("MG101", "MG105", "MG106")]
    assert len(destructive) == source.count("DROP TABLE") + source.count("TRUNCATE") + source.count("DELETE FROM")
    bypassed = [f for f in destructive if f.bypassed]
    assert len({(f.line, f.column) for f in bypassed}) <= 1, [(f.code, f.line, f.statement) for f in bypassed]
    assert [f.statement.split()[-1] for f in bypassed] == ([target] if target else []), report.findings
