"""Building an index without CONCURRENTLY blocks every write to the table until it finishes.

**What goes wrong**: ``CREATE INDEX`` (what ``op.create_index`` emits unless told
otherwise) takes a SHARE lock on the table. Reads go on, but every ``INSERT``,
``UPDATE`` and ``DELETE`` waits until the whole table has been read and sorted: minutes
on a large table, during which the application's writes queue up and time out. In an
Alembic revision the lock is held until the revision's transaction commits, so
everything after the index in the same revision stretches the outage.

Indexes on a table created earlier in the same revision are not reported: the table is
empty and no one else can see it yet.

**Safer alternative**: build it with ``CONCURRENTLY`` (a SHARE UPDATE EXCLUSIVE lock,
which lets writes through) outside the revision's transaction:

1. Put the index in its own revision, or at least in its own autocommit block;
   PostgreSQL refuses ``CREATE INDEX CONCURRENTLY`` inside a transaction block (MG203).
2. Pass ``postgresql_concurrently=True`` (or write ``CREATE INDEX CONCURRENTLY``):

   ```python
   def upgrade():
       with op.get_context().autocommit_block():
           op.create_index("ix_orders_customer_id", "orders", ["customer_id"],
                           postgresql_concurrently=True, if_not_exists=True)
   ```
3. A concurrent build that fails leaves an ``INVALID`` index behind; drop it
   (``DROP INDEX CONCURRENTLY``) and run the revision again, which is why
   ``if_not_exists`` alone is not enough after a failure.
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import table_is_new


@rule(code="MG201", name="create-index-not-concurrently", severity=Severity.WARNING, kinds={OpKind.CREATE_INDEX},
      category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if op.concurrently or table_is_new(op, migration):
        return None
    return f"builds index {op.target or '(unnamed)'} on {op.qualified_table} without CONCURRENTLY, blocking writes"
