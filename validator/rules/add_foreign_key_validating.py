"""Adding a foreign key that is validated in place blocks writes on both tables.

**What goes wrong**: ``ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY`` (what
``op.create_foreign_key`` emits, and what ``op.add_column`` emits for a column with a
``ForeignKey``) takes a SHARE ROW EXCLUSIVE lock on the table **and** on the table it
references, then reads every row of the table to check it. Both tables refuse
``INSERT``, ``UPDATE`` and ``DELETE`` until the check is done and the revision commits:
adding ``orders.customer_id → customers.id`` stops writes to ``customers`` too. Adding
the column and its key in one ``ADD COLUMN`` is worse: the table being altered is under
ACCESS EXCLUSIVE, blocking its reads as well.

Keys on a table created earlier in the same revision are not reported: the new table is
empty, so the check is instant.

**Safer alternative**: add the key ``NOT VALID`` (checked for new rows only, so the
locks last milliseconds), then validate it in a later step, which takes only a SHARE
UPDATE EXCLUSIVE lock on the table and a ROW SHARE lock on the referenced one, so
reads and writes go on while the existing rows are checked:

1. Add the column without the key if it is new: ``op.add_column("orders",
   sa.Column("customer_id", sa.BigInteger(), nullable=True))``.
2. Add the key without validating existing rows:

   ```python
   op.create_foreign_key("fk_orders_customer_id", "orders", "customers",
                         ["customer_id"], ["id"], postgresql_not_valid=True)
   ```
3. In the next revision (its own transaction, so the short lock of step 2 is long gone):

   ```python
   op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customer_id")
   ```
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import table_is_new


@rule(code="MG204", name="add-foreign-key-validating", severity=Severity.WARNING,
      kinds={OpKind.ADD_CONSTRAINT, OpKind.ADD_COLUMN}, category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if op.kind is OpKind.ADD_COLUMN:
        if not op.foreign_key or table_is_new(op, migration):
            return None
        referenced = op.referenced_table
        also = f" and {referenced}" if referenced else " and the referenced table"
        return f"adds column {op.target or '?'} with a foreign key, locking {op.qualified_table}{also} while it is checked"
    if op.constraint_type != "foreign_key" or op.not_valid or table_is_new(op, migration):
        return None
    referenced = op.referenced_table or "the referenced table"
    return (f"adds foreign key {op.target or '(unnamed)'} on {op.qualified_table} without NOT VALID, "
            f"blocking writes to {op.qualified_table} and {referenced} while every row is checked")
