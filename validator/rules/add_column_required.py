"""Adding a NOT NULL column without a server default fails on a populated table and breaks old inserts.

**What goes wrong**: ``op.add_column`` with ``nullable=False`` and no
``server_default`` (``ALTER TABLE … ADD COLUMN … NOT NULL`` without ``DEFAULT``) has
nothing to put in the existing rows. On a table that has rows PostgreSQL rejects it
(``column … contains null values``) after taking an ACCESS EXCLUSIVE lock, so the
deploy fails. Where it does succeed (an empty table in one environment), the release
still running does not know the column and its ``INSERT`` statements start failing.
A ``default=`` on the SQLAlchemy column does not help: that default lives in Python,
not in the database.

Columns added to a table created earlier in the same revision are not reported.

**Safer alternative**: either give the column a constant server default (PostgreSQL 11
and later store it without rewriting the table):

```python
op.add_column("orders", sa.Column("status", sa.Text(), nullable=False,
                                  server_default="pending"))
```

or add it in steps:

1. Add it nullable: ``op.add_column("orders", sa.Column("status", sa.Text(), nullable=True))``.
2. Deploy code that writes it, and backfill the existing rows in batches.
3. Make it NOT NULL the safe way (see MG207).
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._columns import SERIAL
from ._same_revision import table_is_new


@rule(code="MG208", name="add-column-required", severity=Severity.WARNING, kinds={OpKind.ADD_COLUMN}, category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if op.nullable or op.has_default or op.identity or table_is_new(op, migration):
        return None
    if str(op.column_type or "").lower() in SERIAL:
        return None  # a serial column gets its default from a sequence (MG209 reports the rewrite)
    return f"adds NOT NULL column {op.target or '?'} to {op.qualified_table} without a server default"

