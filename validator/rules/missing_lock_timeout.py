"""A revision that takes ACCESS EXCLUSIVE (or SHARE ROW EXCLUSIVE) on a table without a lock_timeout.

**What goes wrong**: even a statement that is instant once it has its lock (adding a
nullable column, dropping a constraint, renaming) must first *get* an ACCESS EXCLUSIVE
lock on the table, and it queues behind every transaction already using the table. While
it waits, every later query on the table queues behind *it*: one long report or idle
transaction turns a millisecond ``ALTER TABLE`` into an outage that lasts as long as that
transaction. A ``lock_timeout`` makes the revision give up instead, and the deploy can
be retried at a quieter moment.

This rule is on by default (a warning): a project adopts a timeout once, in ``env.py``,
and the warnings stop. It reports the first statement of each revision (and phase) that takes ACCESS
EXCLUSIVE or SHARE ROW EXCLUSIVE on an existing table (``ALTER TABLE`` in all its forms,
``DROP TABLE``, ``TRUNCATE``, ``DROP INDEX``, ``REFRESH MATERIALIZED VIEW``, ``VACUUM
FULL``, ``CLUSTER``, ``DETACH PARTITION``, adding a foreign key) when no ``lock_timeout``
is in force: none set earlier in the revision (``SET lock_timeout``, ``SET LOCAL
lock_timeout``, through ``op.execute``) and none set for every revision by the
environment's ``env.py`` (a string in it such as ``SET lock_timeout = '5s'``,
``options="-c lock_timeout=5s"`` or ``set_config('lock_timeout', ...)``; env.py is read,
never imported, from the folder above the versions folder). A value of ``0`` turns the
timeout off. Tables and materialized views created earlier in the same revision, or by
another revision of the same pull request, are not reported.

**Safer alternative**: set it once for every revision in ``env.py``, as a connect option
of the engine, so every connection Alembic opens has it before any transaction starts:

```python
def run_migrations_online():
    connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.",
                                     poolclass=pool.NullPool,
                                     connect_args={"options": "-c lock_timeout=5s -c statement_timeout=15min"})
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
```

or with a ``SET`` on the connection, committed before ``context.configure``: with
SQLAlchemy 2, the ``SET`` opens a transaction, Alembic takes it for the caller's own and
leaves it uncommitted, and every revision is rolled back when the connection closes.

```python
    with connectable.connect() as connection:
        connection.execute(text("SET lock_timeout = '5s'"))
        connection.commit()  # the setting lasts for the session; the revisions get their own transaction
        context.configure(connection=connection, target_metadata=target_metadata)
```

or per revision, before the first ``ALTER``:

```python
def upgrade():
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.add_column("orders", sa.Column("note", sa.Text()))
```

A revision that hits the timeout fails with ``canceling statement due to lock timeout``
and rolls back completely: retry the deploy (a few times, with a pause) rather than
raising the timeout.
"""
from __future__ import annotations

from typing import Iterator

from ..model import Migration, OpKind, Operation, Severity
from . import Hit, rule
from ._same_revision import created_in_revision, table_is_new, view_is_new

# kinds that take ACCESS EXCLUSIVE (or SHARE ROW EXCLUSIVE: a foreign key) on the table they name
_EXCLUSIVE = frozenset({
    OpKind.ADD_COLUMN, OpKind.DROP_COLUMN, OpKind.ALTER_COLUMN, OpKind.RENAME_COLUMN, OpKind.RENAME_TABLE,
    OpKind.ADD_CONSTRAINT, OpKind.DROP_CONSTRAINT, OpKind.DROP_TABLE, OpKind.TRUNCATE, OpKind.ALTER_TABLE,
    OpKind.DETACH_PARTITION, OpKind.DROP_INDEX, OpKind.VACUUM, OpKind.CLUSTER, OpKind.REFRESH_VIEW,
})
_NOT_EXCLUSIVE_WHEN_CONCURRENT = frozenset({OpKind.DETACH_PARTITION, OpKind.DROP_INDEX, OpKind.REFRESH_VIEW})


@rule(code="MG211", name="missing-lock-timeout", severity=Severity.WARNING, scope="migration", category="lock")
def check(migration: Migration) -> Iterator[Hit]:
    if migration.deployment.lock_timeout:
        return
    timeout: dict[object, bool] = {}  # phase -> a lock_timeout is in force
    reported = set()
    for op in migration.operations:
        if op.kind is OpKind.SET_SETTING and op.target == "lock_timeout":
            timeout[op.phase] = _turns_on(op)
        elif op.phase not in reported and not timeout.get(op.phase) and _takes_exclusive(op) \
                and not _is_new(op, migration):
            reported.add(op.phase)
            where = migration.deployment.env_py or "env.py (none found beside the versions folder)"
            yield op, (f"takes {_mode(op)} on {_name(op)} with no lock_timeout set in the revision or in {where}: "
                       "behind one long transaction, every query on it queues")


def _is_new(op: Operation, migration: Migration) -> bool:
    if op.kind is OpKind.REFRESH_VIEW:
        return view_is_new(op, migration) or created_in_revision(op, OpKind.CREATE_VIEW, op.target, migration)
    return table_is_new(op, migration)


def _turns_on(op: Operation) -> bool:
    value = (op.value or "").strip().lower()
    return not op.set_default and bool(value) and value.lstrip("0").strip() not in ("", "ms", "s", "min", "h", "d")


def _takes_exclusive(op: Operation) -> bool:
    if op.kind not in _EXCLUSIVE:
        return False
    if op.kind in _NOT_EXCLUSIVE_WHEN_CONCURRENT and op.concurrently:
        return False
    if op.kind is OpKind.VACUUM and not op.full:
        return False
    return op.kind is OpKind.REFRESH_VIEW or op.table is not None or op.kind is OpKind.DROP_INDEX


def _mode(op: Operation) -> str:
    return "SHARE ROW EXCLUSIVE" if op.kind is OpKind.ADD_CONSTRAINT and op.constraint_type == "foreign_key" \
        else "ACCESS EXCLUSIVE"


def _name(op: Operation) -> str:
    if op.kind is OpKind.REFRESH_VIEW or (op.kind is OpKind.DROP_INDEX and not op.table):
        return f"{op.object.kind.replace('_', ' ')} {op.target or '?'}" if op.object else op.target or "?"
    return op.qualified_table
