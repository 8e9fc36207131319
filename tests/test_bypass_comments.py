"""Bypass comments read statement by statement agree with reading the whole file at once.

``python_bypasses`` tokenizes only the statements on lines that hold the token. This
checks the comments and code lines it finds against the plain approach, one pass of
``tokenize`` over the whole file (both then go through the same scope rules), on every
fixture source, the examples and shapes chosen to trip a partial read.
"""
from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from migration_guard.model import Bypass
from migration_guard.parse.comments import LAYOUT, StatementIndex, bypasses_from, python_bypasses
from migration_guard.parse.strings import Source

TOKEN = "CI:DESTRUCTIVE_OK"
ROOT = Path(__file__).resolve().parent.parent

TRICKY = [
    'def upgrade():\n    op.execute("""\nDROP TABLE x;\n# CI:DESTRUCTIVE_OK inside the string\n""")\n',
    'def upgrade():\n    op.drop_table(\n        "x",  # CI:DESTRUCTIVE_OK inside an open bracket\n    )\n',
    '@dec("""\n# CI:DESTRUCTIVE_OK inside a decorator string\n""")\ndef upgrade():\n    pass\n',
    'def upgrade():\n    x = 1\n    # CI:DESTRUCTIVE_OK own line\n    op.drop_table("t")\n',
    'def upgrade():\n    op.execute("""DROP TABLE t\n""")  # CI:DESTRUCTIVE_OK after the string\n',
    '\x0c\ndef upgrade():\n    op.drop_table("t")  # CI:DESTRUCTIVE_OK after a form feed\n',
    'x = ("a"  # CI:DESTRUCTIVE_OK between implicit concatenation\n     "b")\n',
    'def upgrade():\n    if x:\n        pass\n    else:  # CI:DESTRUCTIVE_OK on else\n        op.drop_table("t")\n',
    'def upgrade():\n    try:\n        op.drop_table("t")\n    except E:  # CI:DESTRUCTIVE_OK on a handler\n        pass\n',
    'def upgrade():\n    s = f"{x}  # CI:DESTRUCTIVE_OK in an f-string"\n    op.drop_table("t")\n',
    '# CI:DESTRUCTIVE_OK at the top\nimport x\n',
    'def upgrade():\n    op.drop_table("t")\n# CI:DESTRUCTIVE_OK trailing the file\n',
    'def upgrade():\n    op.drop_table("t")  # CI:DESTRUCTIVE_OK one\n    op.drop_table("u")  # CI:DESTRUCTIVE_OK two\n',
    'def upgrade():\n    match x:\n        case 1:  # CI:DESTRUCTIVE_OK on a case\n            op.drop_table("t")\n',
]

# (source, [(bypass line, scope first line, scope last line, element)]) for comments among elements
ELEMENTS = [
    ('SQL = {\n    "a": "DROP TABLE a",  # CI:DESTRUCTIVE_OK a\n    "b": (\n        "DROP TABLE b"\n    ),\n}\n',
     [(2, 2, 2, True)]),
    ('SQL = {\n    "a": "DROP TABLE a",\n    # CI:DESTRUCTIVE_OK b\n    "b": (\n        "DROP TABLE b"\n    ),\n}\n',
     [(3, 4, 5, True)]),
    ('S = {\n    "DROP TABLE a",\n    "DROP TABLE b",  # CI:DESTRUCTIVE_OK b\n}\n', [(3, 3, 3, True)]),
    ('S = [  # CI:DESTRUCTIVE_OK the whole list\n    "DROP TABLE a",\n    "DROP TABLE b",\n]\n', [(1, 1, 4, False)]),
    ('S = [\n    "DROP TABLE a",\n    "DROP TABLE b",\n]  # CI:DESTRUCTIVE_OK the whole list\n', [(4, 1, 4, False)]),
    ('S = [\n    "DROP TABLE a", "DROP TABLE b",  # CI:DESTRUCTIVE_OK two on a line\n    "DROP TABLE c",\n]\n',
     [(2, 2, 2, True)]),
    ('S = [\n    ["DROP TABLE a",\n     "DROP TABLE b"],  # CI:DESTRUCTIVE_OK inner\n    "DROP TABLE c",\n]\n',
     [(3, 3, 3, True)]),
    ('S = [\n    "DROP TABLE a",\n    # CI:DESTRUCTIVE_OK nothing below but the bracket\n]\n', [(3, 3, 3, False)]),
    ('# CI:DESTRUCTIVE_OK the statement below\nS = ["DROP TABLE a",\n     "DROP TABLE b"]\n', [(1, 2, 3, False)]),
    ('op.drop_table(\n    "a",  # CI:DESTRUCTIVE_OK a call is not a list\n)\n', [(2, 1, 3, False)]),
]


def whole_file(source: str, tree: ast.Module, token: str) -> list[Bypass]:
    """The reference: every comment from one tokenize pass over the file, then the same scope rules."""
    comments, code_lines = {}, set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments.setdefault(tok.start[0], tok.string)
            elif tok.type not in LAYOUT:
                code_lines.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        pass
    lines = [text.rstrip("\r\n") for text in Source(source).lines]
    return bypasses_from(comments, code_lines, StatementIndex(tree), lines, token)


def _sources() -> list[str]:
    found = list(TRICKY)
    for folder in ("rules", "shapes"):
        for path in sorted((ROOT / "tests" / "fixtures" / folder).glob("*.toml")):
            found += [case["source"] for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]]
    for path in sorted((ROOT / "examples").rglob("*.py")):
        found.append(path.read_text(encoding="utf-8"))
    return [s for s in found if TOKEN in s and _is_python(s)]  # a syntax error never reaches bypasses


def _is_python(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


@pytest.mark.parametrize("source", _sources())
def test_statement_by_statement_equals_whole_file(source: str) -> None:
    tree = ast.parse(source)
    assert python_bypasses(source, tree, TOKEN) == whole_file(source, tree, TOKEN)


def test_the_tricky_shapes_find_what_they_should() -> None:
    lines = [sorted(b.line for b in python_bypasses(s, ast.parse(s), TOKEN)) for s in TRICKY]
    assert lines == [[], [3], [], [3], [3], [3], [1], [4], [4], [], [1], [3], [2, 3], [3]]


@pytest.mark.parametrize("source,expected", ELEMENTS)
def test_a_comment_among_elements_covers_its_element(source: str, expected: list) -> None:
    tree = ast.parse(source)
    found = python_bypasses(source, tree, TOKEN)
    assert [(b.line, b.scope.line, b.scope.end_line, b.element) for b in found] == expected
    assert found == whole_file(source, tree, TOKEN)
