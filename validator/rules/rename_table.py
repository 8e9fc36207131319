"""Renaming a table breaks the release that is still running.

**What goes wrong**: ``op.rename_table`` (``ALTER TABLE … RENAME TO …``) is instant,
but deploys are not: between the migration and the moment every instance runs the new
code, the old code still queries the old name and fails with ``relation … does not
exist``. Rolling back the code does not help, because the database has already moved
on. The rename also takes an ACCESS EXCLUSIVE lock, which queues behind any running
query on the table.

Tables created earlier in the same revision are not reported.

**Safer alternative**: keep both names valid across a release:

1. Rename the table and leave a view under the old name (a simple view is updatable,
   so old code can still write through it):

   ```python
   def upgrade():
       op.rename_table("customers", "accounts")  # CI:DESTRUCTIVE_OK old name kept as a view
       op.execute("CREATE VIEW customers AS SELECT * FROM accounts")
   ```
2. Deploy code that uses the new name.
3. Drop the view in a later revision.

Or, when a view is not enough, create the new table, write to both, backfill, move the
reads, and drop the old table later.
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import table_is_new


@rule(code="MG301", name="rename-table", severity=Severity.WARNING, kinds={OpKind.RENAME_TABLE},
      category="compatibility")
def check(op: Operation, migration: Migration) -> str | None:
    if table_is_new(op, migration):
        return None
    return f"renames table {op.qualified_table} to {op.target or '?'}, breaking code that still uses the old name"
