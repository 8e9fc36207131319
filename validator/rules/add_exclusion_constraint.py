"""Adding an exclusion constraint to an existing table builds its index under ACCESS EXCLUSIVE.

**What goes wrong**: ``ALTER TABLE … ADD CONSTRAINT … EXCLUDE`` (what
``op.create_exclude_constraint`` emits) locks the table against reads and writes while
it builds the constraint's index and checks every row against every other. Unlike
unique, check and foreign-key constraints, an exclusion constraint has no ``NOT VALID``
and no ``USING INDEX``: there is no way to build it first and attach it cheaply.

A table created earlier in the same revision is not reported.

**Safer alternative**:

1. Declare exclusion constraints when the table is created, while it is empty.
2. On an existing table, add it in a quiet period with a short ``lock_timeout`` so the
   revision gives up rather than queueing every query behind it (MG211), and bypass
   with the table's size and the expected duration:

   ```python
   def upgrade():
       op.execute("SET LOCAL lock_timeout = '5s'")
       op.create_exclude_constraint(  # CI:DESTRUCTIVE_OK 40k rows, ~1 s, run at 03:00
           "ex_booking_room_period", "booking", ("room_id", "="), ("period", "&&"), using="gist")
   ```
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import table_is_new


@rule(code="MG214", name="add-exclusion-constraint", severity=Severity.WARNING, kinds={OpKind.ADD_CONSTRAINT},
      category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if op.constraint_type != "exclusion" or table_is_new(op, migration):
        return None
    return (f"adds exclusion constraint {op.target or '(unnamed)'} on {op.qualified_table}, "
            "building its index under ACCESS EXCLUSIVE")
