"""Adding a CHECK constraint that is validated in place blocks reads and writes.

**What goes wrong**: ``ALTER TABLE … ADD CONSTRAINT … CHECK (…)`` (what
``op.create_check_constraint`` emits) takes an ACCESS EXCLUSIVE lock on the table and
keeps it while every existing row is read and tested. Nothing, not even a ``SELECT``,
gets through until the scan ends and the revision commits.

Constraints on a table created earlier in the same revision are not reported.

**Safer alternative**: add it ``NOT VALID`` (new and updated rows are checked at once;
the ACCESS EXCLUSIVE lock lasts milliseconds), then validate the existing rows in a
later step, which only takes a SHARE UPDATE EXCLUSIVE lock: reads and writes go on.

1. Add the constraint without validating:

   ```python
   op.create_check_constraint("ck_orders_amount_positive", "orders", "amount >= 0",
                              postgresql_not_valid=True)
   ```
2. In the next revision:

   ```python
   op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_amount_positive")
   ```
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import table_is_new


@rule(code="MG205", name="add-check-validating", severity=Severity.WARNING, kinds={OpKind.ADD_CONSTRAINT},
      category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if op.constraint_type != "check" or op.not_valid or table_is_new(op, migration):
        return None
    return (f"adds check constraint {op.target or '(unnamed)'} on {op.qualified_table} without NOT VALID, "
            "blocking reads and writes while every row is checked")
