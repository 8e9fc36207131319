"""Rebuilding an index without CONCURRENTLY blocks writes to its table, and reads that use it.

**What goes wrong**: ``REINDEX INDEX``, ``REINDEX TABLE`` (and ``SCHEMA``, ``DATABASE``,
``SYSTEM``) take a SHARE lock on each table and an ACCESS EXCLUSIVE lock on each index
they rebuild. Every ``INSERT``, ``UPDATE`` and ``DELETE`` on the table waits, and so does
every query whose plan would read the index, until the rebuild is done and the
revision's transaction commits: minutes on a large table.

An index or table created earlier in the same revision is not reported.

**Safer alternative**: ``REINDEX … CONCURRENTLY`` (PostgreSQL 12 and later) builds a
new copy next to the old one under SHARE UPDATE EXCLUSIVE, which lets writes through.
Like ``CREATE INDEX CONCURRENTLY`` it cannot run inside a transaction block (MG203), so
run it in an autocommit block:

```python
def upgrade():
    with op.get_context().autocommit_block():
        op.execute("REINDEX INDEX CONCURRENTLY ix_orders_customer_id")
```

A concurrent rebuild that fails leaves an invalid ``…_ccnew`` index behind: drop it
before running the revision again. A routine rebuild (bloat) rarely belongs in a
revision at all: schedule it as maintenance.
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import created_in_revision, table_is_new


@rule(code="MG212", name="reindex-not-concurrently", severity=Severity.WARNING, kinds={OpKind.REINDEX},
      category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if op.concurrently or table_is_new(op, migration) or \
            (op.object_type == "index" and created_in_revision(op, OpKind.CREATE_INDEX, op.target, migration)):
        return None
    return (f"rebuilds {op.object_type or 'index'} {op.target or '?'} without CONCURRENTLY, blocking writes "
            "(and reads that use the index) until the revision commits")
