"""One typed vocabulary between the parsers and the rules: every parser builds ``Operation``
values whose kind is an ``OpKind`` member and whose facts are named fields, and every
finding about an operation carries the object it works on."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from migration_guard.config import Settings
from migration_guard.engine import lint_sources
from migration_guard.model import ObjectRef, OpKind, Origin, Severity, Where
from migration_guard.parse import parse_source
from migration_guard.rules import rule

HEADER = "from alembic import op\nimport sqlalchemy as sa\n"
RULES = Path(__file__).resolve().parent.parent / "validator" / "rules"


def operations(body: str):
    migration = parse_source("x.py", (HEADER + "def upgrade():\n" + body).encode("utf-8"))
    assert not migration.problems, migration.problems
    return migration.operations


SQL_SHAPES = [
    # kinds the SQL parser used to emit as strings outside the vocabulary, and their facts
    ("ALTER TABLE t ENABLE ROW LEVEL SECURITY", OpKind.ALTER_TABLE, {"table": "t", "object_type": "table"}),
    ("ALTER MATERIALIZED VIEW mv SET SCHEMA s", OpKind.OTHER_SQL, {"schema_change": True}),
    ("ALTER TABLE t VALIDATE CONSTRAINT fk", OpKind.VALIDATE_CONSTRAINT, {"table": "t", "target": "fk"}),
    ("DROP SEQUENCE IF EXISTS s.seq CASCADE", OpKind.DROP_OTHER,
     {"schema": "s", "target": "seq", "object_type": "sequence", "if_exists": True, "cascade": True}),
    ("DROP EXTENSION hstore", OpKind.DROP_OTHER, {"target": "hstore", "object_type": "extension"}),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1'", OpKind.OTHER_SQL, {"schema_change": True}),
    ("SELECT 1", OpKind.OTHER_SQL, {"schema_change": False}),
    ("COMMIT", OpKind.OTHER_SQL, {"schema_change": False}),
    ("DELETE FROM t WHERE 1 = 1", OpKind.DELETE, {"table": "t", "where": Where.CONSTANT_TRUE}),
    ("UPDATE t SET a = 1, b = 2 WHERE id = 3", OpKind.UPDATE, {"where": Where.FILTER, "columns": ("a", "b")}),
    ("DROP INDEX CONCURRENTLY ix", OpKind.DROP_INDEX, {"target": "ix", "concurrently": True}),
    ("DROP MATERIALIZED VIEW mv", OpKind.DROP_VIEW, {"target": "mv", "materialized": True}),
    ("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id) NOT VALID", OpKind.ADD_CONSTRAINT,
     {"constraint_type": "foreign_key", "not_valid": True, "referenced_table": "users"}),
    ("ALTER TABLE t ADD COLUMN id bigserial NOT NULL", OpKind.ADD_COLUMN,
     {"target": "id", "column_type": "bigserial", "nullable": False}),
    ("ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid()", OpKind.ADD_COLUMN,
     {"has_default": True, "volatile_default": True, "volatile_functions": ("gen_random_uuid",)}),
    ("ALTER TABLE t ALTER COLUMN a TYPE text", OpKind.ALTER_COLUMN,
     {"type_change": True, "new_type": "text", "set_not_null": False}),
    ("DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$", OpKind.DROP_TABLE, {"table": "t"}),
    ("DO $$ BEGIN EXECUTE 'DROP TABLE ' || name; END $$", OpKind.DROP_TABLE, {"table": "{name}"}),
    ("DO $$ BEGIN EXECUTE format('DROP TABLE %I', r.name); END $$", OpKind.DROP_TABLE, {"table": "{r.name}"}),
    ("DO $$ BEGIN EXECUTE v_sql; END $$", OpKind.UNRESOLVED_SQL,
     {"reason": "EXECUTE of SQL built at run time inside the DO block"}),
    ("DROP TYPE status CASCADE", OpKind.DROP_OTHER, {"object_type": "type", "target": "status", "cascade": True}),
    ("DROP OWNED BY etl", OpKind.DROP_OWNED, {"target": "etl", "cascade": False}),
    ("CALL purge()", OpKind.CALL_FUNCTION, {"target": "purge"}),
    ("DELETE FROM t WHERE EXISTS (SELECT 1)", OpKind.DELETE, {"where": Where.ROW_INDEPENDENT}),
]


@pytest.mark.parametrize("statement,kind,facts", SQL_SHAPES, ids=[s[0][:40] for s in SQL_SHAPES])
def test_sql_shapes_become_typed_operations(statement: str, kind: OpKind, facts: dict) -> None:
    (op,) = operations(f"    op.execute({statement!r})\n")
    assert op.kind is kind and op.origin is Origin.SQL
    assert {name: getattr(op, name) for name in facts} == facts


def test_op_calls_constructs_and_the_fallback_build_the_same_shape() -> None:
    body = (
        "    op.create_index('ix', 't', ['a'], unique=True, postgresql_concurrently=True)\n"
        "    op.execute(sa.update(sa.table('t')).values(a=1))\n"
        "    op.execute('DELETE FROM t WHERE id = {{bad')\n"  # pglast rejects it: sqlparse reads the shape
        "    op.execute(make_sql())\n"
    )
    index, update, delete, unresolved = operations(body)
    assert (index.kind, index.origin, index.unique, index.concurrently) == (OpKind.CREATE_INDEX, Origin.OP_CALL,
                                                                          True, True)
    assert (update.kind, update.origin, update.table, update.where, update.columns) == (
        OpKind.UPDATE, Origin.EXPRESSION, "t", Where.NONE, ("a",))
    assert (delete.kind, delete.table, delete.where) == (OpKind.DELETE, "t", Where.FILTER)
    assert unresolved.kind is OpKind.UNRESOLVED_SQL and "computed at run time" in unresolved.reason
    assert all(type(op.kind) is OpKind for op in (index, update, delete, unresolved))


def _objects(body: str) -> list[tuple[str, ObjectRef | None]]:
    source = HEADER + "def upgrade():\n" + body
    report = lint_sources([("alembic/versions/0001_x.py", source.encode("utf-8"))], Settings())
    return [(f.code, f.object) for f in report.findings]


def test_findings_carry_the_object_of_their_operation() -> None:
    body = (
        "    op.drop_table('users', schema='auth')\n"
        "    op.execute('ALTER TABLE orders DROP COLUMN note')\n"
        "    op.drop_constraint('fk_o_u', 'orders')\n"
        "    op.create_index('ix_o_a', 'orders', ['a'])\n"
        "    op.execute('DROP MATERIALIZED VIEW reporting.mv_daily')\n"
        "    op.execute('DROP SCHEMA legacy')\n"
        "    op.execute('DROP DATABASE old')\n"
        "    op.execute(sql_from_somewhere())\n"
    )
    assert _objects(body) == [
        ("MG101", ObjectRef("table", "auth", "users", "users")),
        ("MG211", ObjectRef("table", "auth", "users", "users")),  # the revision's first lock, no lock_timeout
        ("MG102", ObjectRef("column", None, "orders", "note")),
        ("MG107", ObjectRef("constraint", None, "orders", "fk_o_u")),
        ("MG201", ObjectRef("index", None, "orders", "ix_o_a")),
        ("MG303", ObjectRef("materialized_view", "reporting", None, "mv_daily")),
        ("MG103", ObjectRef("schema", None, None, "legacy")),
        ("MG104", ObjectRef("database", None, None, "old")),
        ("MG904", None),
    ]


def test_findings_about_no_operation_carry_no_object() -> None:
    source = "revision = 'a'\ndown_revision = None\ndef upgrade(:\n"
    report = lint_sources([("alembic/versions/0001_x.py", source.encode())], Settings())
    assert [(f.code, f.object) for f in report.findings] == [("MG901", None)]


def test_the_other_kinds_name_their_objects_too() -> None:
    alter, drop_sequence, rename = operations(
        "    op.execute('ALTER INDEX ix SET TABLESPACE fast')\n"
        "    op.execute('DROP SEQUENCE s.seq')\n"
        "    op.alter_column('t', 'a', new_column_name='b')\n")
    assert alter.object == ObjectRef("index", None, None, "ix")
    assert drop_sequence.object == ObjectRef("sequence", "s", None, "seq")
    assert rename.object == ObjectRef("column", None, "t", "a")


def test_a_rule_declaring_a_kind_outside_the_vocabulary_fails_at_import() -> None:
    def check(op, migration):  # pragma: no cover - never registered
        return "x"

    with pytest.raises(ValueError, match="OpKind"):
        rule(code="MG998", name="typo-kind", severity=Severity.ERROR, kinds={"drop_tabel"})(check)
    with pytest.raises(ValueError, match="OpKind"):  # the right word as a string is refused as well
        rule(code="MG998", name="typo-kind", severity=Severity.ERROR, kinds={"drop_table"})(check)


def test_rules_read_no_parser_words() -> None:
    """No pglast node or enum names, no parser imports: rules read ``Operation`` facts only."""
    parser_words = ("AT_", "Stmt", "OBJECT_", "CONSTR_", "DROP_CASCADE", "attrs", ".attr(")
    for path in sorted(RULES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstring = ast.get_docstring(tree, clean=False) or ""
        code = path.read_text(encoding="utf-8").replace(docstring, "")
        assert not [w for w in parser_words if w in code], path.name
        imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | \
            {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not [m for m in imported if m.split(".")[0] in ("pglast", "sqlparse") or m.startswith("migration_guard.parse")]
