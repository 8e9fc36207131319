"""Detaching a partition without CONCURRENTLY locks the whole partitioned table.

**What goes wrong**: ``ALTER TABLE … DETACH PARTITION`` takes an ACCESS EXCLUSIVE lock
on the partitioned table (and on the partition). Every read and write of every
partition waits for it, and it waits itself behind any long query on the table:
the lock queue that takes an application down.

A partitioned table created earlier in the same revision is not reported.

**Safer alternative**: ``DETACH PARTITION … CONCURRENTLY`` (PostgreSQL 14 and later)
takes SHARE UPDATE EXCLUSIVE on the partitioned table, so queries go on. It cannot run
inside a transaction block (MG203) and the table must have no default partition:

```python
def upgrade():
    with op.get_context().autocommit_block():
        op.execute("ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY")
```

If it is interrupted, finish it with ``ALTER TABLE events DETACH PARTITION events_2023
FINALIZE``.
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import table_is_new


@rule(code="MG213", name="detach-partition-not-concurrently", severity=Severity.WARNING,
      kinds={OpKind.DETACH_PARTITION}, category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if op.concurrently or table_is_new(op, migration):
        return None
    return (f"detaches partition {op.target or '?'} from {op.qualified_table} without CONCURRENTLY, "
            "blocking every read and write of the table")
