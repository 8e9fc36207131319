"""Renaming a column breaks the release that is still running.

**What goes wrong**: ``op.alter_column(..., new_column_name=...)`` (``ALTER TABLE …
RENAME COLUMN … TO …``) is instant, but the code deployed before it is not: until
every instance runs the new release, queries that name the old column fail with
``column … does not exist``, and ORMs that list columns explicitly fail on every
``SELECT`` and ``INSERT`` of the table. The rename also takes an ACCESS EXCLUSIVE lock,
which queues behind any running query on the table.

Columns of a table created earlier in the same revision are not reported.

**Safer alternative**: add, copy, switch, drop:

1. Add the new column, nullable, and write both columns from the application (or keep
   them in step with a trigger):

   ```python
   def upgrade():
       op.add_column("users", sa.Column("full_name", sa.Text(), nullable=True))
   ```
2. Backfill the existing rows in batches
   (``UPDATE users SET full_name = name WHERE full_name IS NULL AND id BETWEEN …``).
3. Deploy code that reads and writes the new column only.
4. Drop the old column in a later, reviewed revision:

   ```python
   def upgrade():
       op.drop_column("users", "name")  # CI:DESTRUCTIVE_OK copied to full_name, unused since release 42
   ```
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import table_is_new


@rule(code="MG302", name="rename-column", severity=Severity.WARNING, kinds={OpKind.RENAME_COLUMN},
      category="compatibility")
def check(op: Operation, migration: Migration) -> str | None:
    if table_is_new(op, migration):
        return None
    new = op.new_name or "?"
    return f"renames column {op.qualified_table}.{op.target or '?'} to {new}, breaking code that still uses the old name"
