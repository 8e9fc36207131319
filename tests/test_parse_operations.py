"""The parser as a table: source in, operations (kind, line, table, target, phase, facts) out."""
from __future__ import annotations

import pytest

from migration_guard.downgrade import DowngradePolicy
from migration_guard.parse import parse_source


def ops(source: str):
    migration = parse_source("x.py", source.encode("utf-8"))
    assert not migration.problems, migration.problems
    return [(o.kind, o.span.line, o.table, o.target, o.phase.value) for o in migration.operations]


HEADER = "from alembic import op\nimport sqlalchemy as sa\n"

TABLE = [
    ("op.drop_table('t', schema='s')", [("drop_table", 4, "t", None, "upgrade")]),
    ("op.drop_column('t', 'c')", [("drop_column", 4, "t", "c", "upgrade")]),
    ("op.drop_constraint('fk', 't', type_='foreignkey')", [("drop_constraint", 4, "t", "fk", "upgrade")]),
    ("op.drop_index(op.f('ix_t_a'), table_name='t')", [("drop_index", 4, "t", "ix_t_a", "upgrade")]),
    ("op.create_index('ix', 't', ['a'], postgresql_concurrently=True)", [("create_index", 4, "t", "ix", "upgrade")]),
    ("op.rename_table('a', 'b')", [("rename_table", 4, "a", "b", "upgrade")]),
    ("op.alter_column('t', 'a', new_column_name='b')", [("rename_column", 4, "t", "a", "upgrade")]),
    ("op.alter_column('t', 'a', nullable=False)", [("alter_column", 4, "t", "a", "upgrade")]),
    ("op.add_column('t', sa.Column('a', sa.Integer()))", [("add_column", 4, "t", "a", "upgrade")]),
    ("op.create_foreign_key('fk', 'o', 'u', ['uid'], ['id'])", [("add_constraint", 4, "o", "fk", "upgrade")]),
    ("op.execute('TRUNCATE a, b')", [("truncate", 4, "a", None, "upgrade"), ("truncate", 4, "b", None, "upgrade")]),
    ("op.execute('DROP SCHEMA s CASCADE')", [("drop_schema", 4, None, "s", "upgrade")]),
    ("op.execute('DROP DATABASE d')", [("drop_database", 4, None, "d", "upgrade")]),
    ("op.execute('DROP MATERIALIZED VIEW IF EXISTS mv CASCADE')", [("drop_view", 4, None, "mv", "upgrade")]),
    ("op.execute('ALTER TABLE t RENAME COLUMN a TO b')", [("rename_column", 4, "t", "a", "upgrade")]),
    ("op.execute('UPDATE t SET a = 1')", [("update", 4, "t", None, "upgrade")]),
    ("op.execute('SELECT 1')", [("other_sql", 4, None, None, "upgrade")]),
    ("op.execute(sa.text('DELETE FROM t WHERE id = :id').bindparams(id=1))", [("delete", 4, "t", None, "upgrade")]),
    ("op.execute('DROP TABLE a' ';' 'DROP TABLE b')", [("drop_table", 4, "a", None, "upgrade"),
                                                      ("drop_table", 4, "b", None, "upgrade")]),
    ("op.execute('DROP TABLE %s' % name)", [("drop_table", 4, "{name}", None, "upgrade")]),
    ("op.execute('DROP TABLE {}'.format(name))", [("drop_table", 4, "{name}", None, "upgrade")]),
    ("op.bulk_insert(t, [{'a': 1}])", []),
    ("print('DROP TABLE x')", []),
]


@pytest.mark.parametrize("call,expected", TABLE, ids=[c for c, _ in TABLE])
def test_operation_table(call: str, expected: list) -> None:
    assert ops(HEADER + "def upgrade():\n    " + call + "\n") == expected


def test_statement_lines_inside_triple_quoted_string() -> None:
    source = HEADER + 'def upgrade():\n    op.execute("""\n    SELECT 1;\n\n    DROP TABLE a;\n    """)\n'
    assert ops(source) == [("other_sql", 5, None, None, "upgrade"), ("drop_table", 7, "a", None, "upgrade")]


def test_escaped_newlines_do_not_shift_lines() -> None:
    source = HEADER + 'def upgrade():\n    op.execute("SELECT 1;\\nSELECT 2;\\n"\n               "DROP TABLE b")\n'
    assert ops(source)[-1] == ("drop_table", 5, "b", None, "upgrade")


def test_non_ascii_before_statement_keeps_columns() -> None:
    source = HEADER + "def upgrade():\n    op.execute(\"SELECT 'é'; DROP TABLE ü\")\n"
    migration = parse_source("x.py", source.encode("utf-8"))
    drop = migration.operations[-1]
    assert (drop.kind, drop.table, drop.span.line, drop.span.column) == ("drop_table", "ü", 4, 29)


def test_phases_and_helpers() -> None:
    source = HEADER + (
        "def _both():\n    op.drop_table('shared')\n"
        "def upgrade():\n    _both()\n"
        "def downgrade():\n    _both()\n    op.drop_table('down_only')\n"
    )
    assert ops(source) == [
        ("drop_table", 4, "shared", None, "upgrade"),
        ("drop_table", 4, "shared", None, "downgrade"),
        ("drop_table", 9, "down_only", None, "downgrade"),
    ]


def test_recursive_helpers_terminate() -> None:
    source = HEADER + "def a():\n    b()\n    op.drop_table('x')\ndef b():\n    a()\ndef upgrade():\n    a()\n"
    assert ops(source) == [("drop_table", 5, "x", None, "upgrade")]


def test_autocommit_block_and_facts() -> None:
    source = HEADER + (
        "def upgrade():\n"
        "    with op.get_context().autocommit_block():\n"
        "        op.create_index('ix', 't', ['a'], postgresql_concurrently=True)\n"
        "    op.execute('CREATE INDEX CONCURRENTLY ix2 ON t (b)')\n"
    )
    migration = parse_source("x.py", source.encode())
    first, second = migration.operations
    assert (first.in_autocommit_block, first.concurrently) == (True, True)
    assert (second.in_autocommit_block, second.concurrently) == (False, True)


def test_add_column_facts() -> None:
    source = HEADER + (
        "def upgrade():\n"
        "    op.add_column('t', sa.Column('a', sa.Integer(), nullable=False, server_default=sa.text('random()')))\n"
    )
    op = parse_source("x.py", source.encode()).operations[0]
    assert (op.nullable, op.has_default, op.volatile_default) == (False, True, True)


def test_loop_over_a_constant_list_follows_each_name() -> None:
    source = HEADER + "TABLES = ['a_tmp', 'b_tmp']\ndef upgrade():\n    for name in TABLES:\n        op.drop_table(name)\n"
    assert ops(source) == [("drop_table", 6, "a_tmp", None, "upgrade"), ("drop_table", 6, "b_tmp", None, "upgrade")]


def test_loop_variable_of_unknown_iterable_is_shown_as_expression() -> None:
    source = HEADER + "def upgrade():\n    for name in tables():\n        op.drop_table(name)\n"
    assert ops(source) == [("drop_table", 5, "{name}", None, "upgrade")]


def test_loop_over_literal_sql_reports_each_item_at_its_line() -> None:
    source = HEADER + (
        "STATEMENTS = [\n"
        "    'CREATE TABLE a (id int)',\n"
        "    'DROP TABLE b',\n"
        "]\n"
        "def upgrade():\n"
        "    for stmt in STATEMENTS:\n"
        "        op.execute(stmt)\n"
        "    for name in ('c', 'd'):\n"
        "        op.drop_table(name)\n"
    )
    assert ops(source) == [("create_table", 4, "a", None, "upgrade"), ("drop_table", 5, "b", None, "upgrade"),
                           ("drop_table", 11, "c", None, "upgrade"), ("drop_table", 11, "d", None, "upgrade")]


def test_op_assigned_to_another_name() -> None:
    source = HEADER + "def upgrade():\n    operations = op\n    operations.drop_table('t')\n"
    assert ops(source) == [("drop_table", 5, "t", None, "upgrade")]


def test_downgrade_left_unread_when_asked() -> None:
    source = HEADER + (
        "def upgrade():\n    _archive()\n    op.drop_column('t', 'a')\n"
        "def downgrade():\n    _archive()\n    op.drop_table('t')\n"
        "def _archive():\n    op.execute('TRUNCATE t_archive')\n"
    )
    both = parse_source("x.py", source.encode())
    upgrade_only = parse_source("x.py", source.encode(), downgrade=DowngradePolicy.IGNORE)
    assert [(o.kind, o.span.line, o.phase.value) for o in both.operations] == [
        ("drop_column", 5, "upgrade"), ("drop_table", 8, "downgrade"),
        ("truncate", 10, "upgrade"), ("truncate", 10, "downgrade")]
    assert [(o.kind, o.span.line, o.phase.value) for o in upgrade_only.operations] == [
        ("drop_column", 5, "upgrade"), ("truncate", 10, "upgrade")]
