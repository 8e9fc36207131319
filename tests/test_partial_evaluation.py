"""SQL built by code and operations reached through callables, beyond the fixture cases.

The property: a destructive statement routed through any chain of the shapes the parser
follows (constant, helper, join, f-string, format, dict lookup, branch, alias, lambda,
partial...) fails the check, unless a bypass sits on the statement that runs it.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from migration_guard.config import Settings
from migration_guard.engine import lint_sources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DESTRUCTIVE = [
    ("DROP TABLE victims", "MG101"),
    ("TRUNCATE victims", "MG105"),
    ("DELETE FROM victims", "MG106"),
    ("ALTER TABLE victims DROP COLUMN total", "MG102"),
]
BYPASS = "  # CI:DESTRUCTIVE_OK archived first (ADR-7)"


def lint(source: str):
    return lint_sources([("alembic/versions/0001_case.py", source.encode("utf-8"))], Settings())


def found(source: str, codes=("MG101", "MG904")) -> list:
    """The findings of these rules (a lock rule may also speak about the same statement)."""
    return [f for f in lint(source).findings if f.code in codes]


class Revision:
    """A revision under construction: module code, ``upgrade()`` code, and the expression
    that holds the SQL so far (``local`` once it names something only ``upgrade()`` has)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.module: list[str] = ["import functools", "from alembic import op", "import sqlalchemy as sa", ""]
        self.body: list[str] = []
        self.expr = ""
        self.local = False
        self.count = 0
        self.indent = ""  # inside a loop over pieces once ``split`` ran

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}_{self.count}"

    def seed(self, sql: str) -> None:
        how = self.rng.choice(["literal", "pieces", "percent", "format"])
        if how == "literal":
            self.expr = repr(sql)
        elif how == "pieces":
            cuts = sorted(self.rng.sample(range(1, len(sql)), k=min(3, len(sql) - 1)))
            parts = [sql[a:b] for a, b in zip([0] + cuts, cuts + [len(sql)])]
            self.expr = " + ".join(repr(p) for p in parts)
        elif how == "percent":
            verb, rest = sql.split(" ", 1)
            self.expr = f"'%s {rest}' % ({verb!r},)"
        else:
            head, table = sql.split("victims")
            self.expr = f"{(head + '{t}' + table)!r}.format(t='victims')"

    def bind(self, value: str, local: bool = False) -> str:
        """Assign ``value`` to a new name: a module constant when it can be one."""
        name = self.name("sql")
        if self.local or local:
            self.body.append(f"    {self.indent}{name} = {value}")
            self.local = True
        else:
            self.module.append(f"{name.upper()} = {value}")
            name = name.upper()
        return name

    # -- the shapes ----------------------------------------------------------------------
    def constant(self) -> None:
        self.expr = self.bind(self.expr)

    def helper(self) -> None:
        fn = self.name("build")
        body = self.rng.choice(["return p", 'return f"{p}"', 'return "" + p', "return p.strip()",
                                "q = p\n    return q"])
        self.module += [f"def {fn}(p):", f"    {body}", ""]
        self.expr = f"{fn}({self.expr})"

    def join(self) -> None:
        self.expr = self.rng.choice([f'" ".join([{self.expr}])', f'"".join(({self.expr},))',
                                     f'";\\n".join(s for s in [{self.expr}])'])

    def fstring(self) -> None:
        self.expr = f'f"{{{self.bind(self.expr)}}}"'

    def format(self) -> None:
        self.expr = self.rng.choice([f'"{{}}".format({self.expr})', f'"%s" % ({self.expr},)',
                                     f'({self.expr}).replace("@@", "x")', f"({self.expr}).strip()"])

    def lookup(self) -> None:
        table = self.bind(f'{{"keep": "SELECT 1", "go": {self.expr}}}')
        self.expr = self.rng.choice([f'{table}["go"]', f'{table}.get("go")'])

    def branch(self) -> None:
        name = self.name("chosen")
        i = self.indent
        self.body += [f"    {i}if op.get_context().as_sql:", f"        {i}{name} = {self.expr}", f"    {i}else:",
                      f'        {i}{name} = "SELECT 1"']
        self.expr, self.local = name, True

    def split(self) -> None:
        """Several statements in one text, run one by one."""
        self.body.append(f'    {self.indent}for piece in ("SELECT 1;" + {self.expr}).split(";"):')
        self.expr, self.local = "piece", True
        self.indent += "    "

    def choose(self) -> None:
        self.expr = self.rng.choice([f'({self.expr} if op.get_context().as_sql else "SELECT 1")',
                                     f'["SELECT 1", {self.expr}][1]', f'("" or {self.expr})'])

    def grow(self) -> None:
        name = self.bind(self.expr, local=True)
        self.body.append(f'    {self.indent}{name} = {name} + " "')
        self.expr = name

    def sink(self, bypass: bool) -> None:
        """Run the SQL; the bypass goes on the statement that runs it."""
        mark = BYPASS if bypass else ""
        how = self.rng.choice(["execute", "text", "alias", "lambda", "partial", "helper", "loop", "getattr", "map",
                               "comprehension", "method", "generator"])
        i = "    " + self.indent
        if how == "execute":
            self.body.append(f"{i}op.execute({self.expr}){mark}")
        elif how == "text":
            self.body.append(f"{i}op.get_bind().execute(sa.text({self.expr})){mark}")
        elif how == "alias":
            self.body += [f"{i}run = op.execute", f"{i}run({self.expr}){mark}"]
        elif how == "lambda":
            self.body.append(f"{i}retry(lambda: op.execute({self.expr})){mark}")
        elif how == "partial":
            self.body.append(f"{i}functools.partial(op.execute, {self.expr})(){mark}")
        elif how == "helper":
            self.module += ["def run_sql(statement):", f"    op.execute(statement){mark}", ""]
            self.body.append(f"{i}run_sql({self.expr})")
        elif how == "getattr":
            self.body.append(f'{i}getattr(op, "execute")({self.expr}){mark}')
        elif how == "map":
            self.body.append(f"{i}list(map(op.execute, [{self.expr}])){mark}")
        elif how == "comprehension":
            self.body.append(f"{i}[op.execute(s) for s in [{self.expr}]]{mark}")
        elif how == "generator":
            self.module += ["def statements(p):", '    yield "SELECT 1"', "    yield p", ""]
            self.body += [f"{i}for statement in statements({self.expr}):", f"{i}    op.execute(statement){mark}"]
        elif how == "method":
            self.module += ["class Steps:", "    def run(self, statement):", f"        op.execute(statement){mark}", ""]
            self.body.append(f"{i}Steps().run({self.expr})")
        else:
            self.body += [f"{i}for statement in [{self.expr}]:", f"{i}    op.execute(statement){mark}"]

    def source(self) -> str:
        return "\n".join(self.module + ["", "def upgrade():"] + (self.body or ["    pass"])) + "\n"


SHAPES = ["constant", "helper", "join", "fstring", "format", "lookup", "branch", "grow", "split", "choose"]


@settings(max_examples=150, deadline=None)
@given(statement=st.sampled_from(DESTRUCTIVE), chain=st.lists(st.sampled_from(SHAPES), max_size=7),
       seed=st.integers(0, 2**32 - 1), bypass=st.booleans())
def test_a_destructive_statement_fails_through_any_chain_unless_bypassed(statement, chain, seed, bypass):
    sql, code = statement
    revision = Revision(random.Random(seed))
    revision.seed(sql)
    for shape in chain:
        getattr(revision, shape)()
    revision.sink(bypass)
    source = revision.source()
    report = lint(source)
    hits = [f for f in report.findings if f.code == code]
    assert hits, source + "\n".join(f"{f.code}:{f.line} {f.message}" for f in report.findings)
    assert all(f.severity.value == "error" for f in hits)
    assert all(f.bypassed == bypass for f in hits), source
    assert report.fails("error") is not bypass, source + "\n".join(
        f"{f.code}:{f.line} {f.message} bypassed={f.bypassed}" for f in report.findings)


def test_placeholder_is_in_the_message():
    findings = found("from alembic import op\n\ndef upgrade():\n    op.execute(f'DROP TABLE {name}')\n")
    assert [(f.code, f.message) for f in findings] == [("MG101", "drops table {name} and every row in it")]


def test_a_long_plus_chain_is_followed_to_its_end():
    parts = " + ".join(['"SELECT 1"'] + ['" "'] * 2000 + ['"; DROP TABLE victims"'])
    source = f"from alembic import op\n\ndef upgrade():\n    op.execute({parts})\n"
    assert [(f.code, f.line) for f in found(source)] == [("MG101", 4)]


def test_a_chain_of_two_hundred_names_is_followed():
    names = ["A0 = 'DROP TABLE victims'"] + [f"A{i} = A{i - 1}" for i in range(1, 150)]
    source = "from alembic import op\n" + "\n".join(names) + "\n\ndef upgrade():\n    op.execute(A149)\n"
    assert [(f.code, f.line) for f in found(source)] == [("MG101", 2)]


def test_where_evaluation_stops_it_says_so():
    names = ["A0 = 'DROP TABLE victims'"] + [f"A{i} = A{i - 1}" for i in range(1, 400)]
    source = "from alembic import op\n" + "\n".join(names) + "\n\ndef upgrade():\n    op.execute(A399)\n"
    findings = found(source)
    assert [(f.code, f.line) for f in findings] == [("MG904", 404)]
    assert "more than 200 nested names or calls" in findings[0].message


def _fixture_sources() -> list[str]:
    found = []
    for path in sorted((Path(__file__).parent / "fixtures" / "rules").glob("MG*.toml")):
        found += [case["source"] for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]]
    return found


FIXTURE_SOURCES = _fixture_sources()
NOISE = ["(", ")", "[", "]", ":", "lambda: ", " + ", ".join(", ".format(", " % ", "f'{x}'", "\n    ", "\n",
         "getattr(op, 'x')", "map(", "functools.partial(", "yield ", "return ", "*", "**", "if x:", "else:",
         "for a in b:", "def f(p):", "class C:", "import alembic.op as o", "from alembic.op import *", "'",
         '"""', "\\", "{", "}", "op.execute(", ";"]


@pytest.mark.filterwarnings("ignore:invalid escape sequence")  # mutated literals are read like Python reads them
@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(FIXTURE_SOURCES) - 1), edits=st.lists(
    st.tuples(st.floats(0, 1), st.integers(0, 40), st.sampled_from(NOISE)), max_size=6))
def test_mutated_fixtures_never_raise(index, edits):
    source = FIXTURE_SOURCES[index]
    for where, cut, noise in edits:
        at = int(where * len(source))
        source = source[:at] + noise + source[at + cut:]
    report = lint(source)  # any finding, MG901 included; never a traceback
    assert report.summary.files == 1


@pytest.mark.filterwarnings("ignore:invalid escape sequence")
@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400))
def test_arbitrary_text_never_raises(text):
    assert lint(text).summary.files == 1


def test_helpers_calling_helpers_many_times_over_stop_and_say_so():
    # each helper calls the next twice: 2**20 paths; the walk stops after 5,000 calls
    helpers = [f"def f{i}():\n    f{i + 1}()\n    f{i + 1}()\n" for i in range(1, 21)]
    source = "from alembic import op\n" + "".join(helpers) + "def f21():\n    op.drop_table('x')\n" \
        "def upgrade():\n    f1()\n"
    findings = lint(source).findings
    assert ("MG101", 63) in [(f.code, f.line) for f in findings]
    stops = [f for f in findings if f.code == "MG904"]
    assert stops and all("more than 5000 calls" in f.message for f in stops)


def test_a_parsed_file_leaves_no_reference_cycle():
    # the engine's workers run with the cycle collector off: a file's syntax tree and the
    # scopes holding it must die by reference counting, or every chunk's collection scans
    # every tree it kept (15% of the lint time when scopes referred to themselves)
    import ast
    import gc

    from migration_guard.parse import parse_source
    from migration_guard.parse.resolve import Bound, Scope

    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for source in FIXTURE_SOURCES:
            parse_source("alembic/versions/0001_case.py", source.encode("utf-8"))
        gc.collect()
        kept = [type(o).__name__ for o in gc.garbage if isinstance(o, (ast.AST, Scope, Bound))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert kept == []
