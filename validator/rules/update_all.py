"""An UPDATE without a real WHERE clause rewrites every row of the table in one transaction.

**What goes wrong**: ``UPDATE t SET …`` with no ``WHERE`` (or one that is always true,
``WHERE 1=1``, or reads no column of the table, ``WHERE EXISTS (SELECT 1)``), or
``sa.update(t).values(...)`` without a where-clause, changes every
row in the revision's transaction. It holds a row lock on every row until the revision
commits, so any write to the table waits; it writes a new version of every row (the
table and its indexes can double in size until vacuum catches up) and floods the WAL,
delaying replicas. If it was meant to touch only some rows, it has also overwritten
data.

Not reported: backfilling a column that the same revision added earlier (every column
the UPDATE sets was added by ``op.add_column`` on that table before it), and updates of a
table created earlier in the same revision. Those rows have nothing to lose.

**Safer alternative**:

1. Restrict the update to the rows that need it (``WHERE status IS NULL``).
2. For a large table, backfill in batches outside the revision's transaction, each
   batch its own short transaction:

   ```python
   def upgrade():
       with op.get_context().autocommit_block():
           while op.get_bind().execute(sa.text(
                   "UPDATE orders SET currency = 'EUR' WHERE id IN "
                   "(SELECT id FROM orders WHERE currency IS NULL LIMIT 10000)")).rowcount:
               pass
   ```
3. If every row really must change in one go, say why in a bypass.
"""
from ..model import Migration, OpKind, Operation, Severity, Where
from . import rule
from ._same_revision import column_is_new, table_is_new


_WHY = {Where.NONE: "has no WHERE clause", Where.CONSTANT_TRUE: "has a WHERE clause that is always true",
        Where.ROW_INDEPENDENT: "has a WHERE clause that reads no column of the table"}
_EVERY_ROW = frozenset(_WHY)


@rule(code="MG305", name="update-all", severity=Severity.WARNING, kinds={OpKind.UPDATE}, category="compatibility")
def check(op: Operation, migration: Migration) -> str | None:
    where = op.where
    if where not in _EVERY_ROW or table_is_new(op, migration):
        return None
    columns = op.columns
    if columns and all(column_is_new(op, c, migration) for c in columns):
        return None
    why = _WHY[where]
    return f"updates every row of {op.qualified_table}: the UPDATE {why}"
