"""VACUUM FULL and CLUSTER rewrite the whole table under ACCESS EXCLUSIVE.

**What goes wrong**: both copy every row of the table into a new file and rebuild all
its indexes, holding an ACCESS EXCLUSIVE lock from start to end: no reads, no writes.
They also need free disk space for a full second copy. ``VACUUM`` cannot run inside a
transaction block at all, and neither can ``CLUSTER`` without a table name, so in a
revision they fail unless run in an autocommit block. A plain ``VACUUM`` (without
``FULL``) locks nothing that queries need and is not reported.

A table created earlier in the same revision is not reported.

**Safer alternative**: reclaiming space is maintenance, not a schema change: keep it
out of revisions. Let autovacuum do its work, or rewrite the table online with a tool
that copies it and takes ACCESS EXCLUSIVE only briefly at the end (such as the
``pg_repack`` extension), scheduled by the operators:

```bash
pg_repack --table=public.orders --wait-timeout=5 "$DATABASE_URL"
```
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import table_is_new


@rule(code="MG215", name="vacuum-full-or-cluster", severity=Severity.WARNING, kinds={OpKind.VACUUM, OpKind.CLUSTER},
      category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if (op.kind is OpKind.VACUUM and not op.full) or table_is_new(op, migration):
        return None
    what = "VACUUM FULL" if op.kind is OpKind.VACUUM else "CLUSTER"
    table = op.qualified_table if op.table else "every table"
    return f"{what} rewrites {table} under ACCESS EXCLUSIVE, blocking every read and write"
