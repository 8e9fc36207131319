"""Dropping an index without CONCURRENTLY blocks reads and writes on its table.

**What goes wrong**: ``DROP INDEX`` (what ``op.drop_index`` emits unless told
otherwise) takes an ACCESS EXCLUSIVE lock on the table the index belongs to. The drop
itself is quick, but the lock has to wait for every running query on the table to
finish, and every new query (even a plain ``SELECT``) queues behind it. One long report
query turns the drop into an outage; in an Alembic revision the lock is then held until
the revision's transaction commits.

Indexes created, or on a table created, earlier in the same revision are not reported.

**Safer alternative**: drop it with ``CONCURRENTLY``, which waits for running
transactions instead of blocking new ones, outside the revision's transaction
(PostgreSQL refuses it inside one, see MG203):

```python
def upgrade():
    with op.get_context().autocommit_block():
        op.drop_index("ix_orders_legacy", table_name="orders",
                      postgresql_concurrently=True, if_exists=True)
```
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import created_in_revision, table_is_new


@rule(code="MG202", name="drop-index-not-concurrently", severity=Severity.WARNING, kinds={OpKind.DROP_INDEX},
      category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if op.concurrently or table_is_new(op, migration):
        return None
    if created_in_revision(op, OpKind.CREATE_INDEX, op.target, migration):
        return None
    table = f" on {op.qualified_table}" if op.table else ""
    return f"drops index {op.target or '?'}{table} without CONCURRENTLY, blocking reads and writes"
