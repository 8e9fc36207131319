"""Changing a column's type locks the table and usually rewrites it and its indexes.

**What goes wrong**: ``ALTER TABLE … ALTER COLUMN … TYPE`` (what
``op.alter_column(..., type_=...)`` emits) takes an ACCESS EXCLUSIVE lock on the
table. Unless the old type converts to the new one without any work (``varchar(n)``
to ``text`` or to a longer ``varchar``, a wider ``numeric`` precision), PostgreSQL
rewrites every row and rebuilds every index on the table while holding it: no reads,
no writes until the revision commits. ``integer`` to ``bigint``, the most common
change, is a full rewrite. The release still running may also read or write values
the new type no longer accepts.

Columns of a table created earlier in the same revision are not reported. For a change
that really is binary compatible, add a bypass saying so.

**Safer alternative**: move the data to a new column while both exist:

1. Add the new column, nullable: ``op.add_column("orders", sa.Column("id_big", sa.BigInteger()))``.
2. Keep it in step with the old one for new writes (application code or a trigger).
3. Backfill the existing rows in batches, outside the revision's transaction.
4. Switch reads to the new column and stop writing the old one (a release).
5. Drop the old column and rename the new one in a later, reviewed revision (MG102, MG302).

For a binary-compatible change, say why in the bypass:

```python
op.alter_column("users", "bio", type_=sa.Text())  # CI:DESTRUCTIVE_OK varchar(500) -> text, no rewrite
```
"""
from validator.model import Migration, OpKind, Operation, Severity
from validator.rules import rule
from validator.rules._same_revision import table_is_new


@rule(code="MG210", name="alter-column-type", severity=Severity.WARNING, kinds={OpKind.ALTER_COLUMN}, category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if not op.type_change or table_is_new(op, migration):
        return None
    new_type = op.new_type
    to = f" to {new_type}" if new_type else ""
    return f"changes the type of {op.qualified_table}.{op.target or '?'}{to} under ACCESS EXCLUSIVE, usually rewriting the table"
