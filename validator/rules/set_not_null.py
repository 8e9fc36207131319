"""Setting NOT NULL on an existing column scans the whole table under an ACCESS EXCLUSIVE lock.

**What goes wrong**: ``ALTER TABLE … ALTER COLUMN … SET NOT NULL`` (what
``op.alter_column(..., nullable=False)`` emits) takes an ACCESS EXCLUSIVE lock on the
table and reads every row to prove that none is NULL. Reads and writes wait for the
whole scan, and the lock stays until the revision commits. If a NULL is found the
revision fails after having blocked the table.

Columns of a table created earlier in the same revision are not reported, nor is a
``SET NOT NULL`` that follows a ``VALIDATE CONSTRAINT`` on the same table in the same
revision (step 3 below).

**Safer alternative**: prove the column has no NULLs with a constraint that can be
validated without blocking, then let PostgreSQL (12 and later) use it to skip the scan:

1. Backfill the NULLs (in batches for a large table).
2. Add a check constraint without validating it:

   ```python
   op.create_check_constraint("ck_users_email_not_null", "users", "email IS NOT NULL",
                              postgresql_not_valid=True)
   ```
3. In the next revision, validate it (SHARE UPDATE EXCLUSIVE: reads and writes go on),
   then set NOT NULL, which now checks no rows, and drop the helper constraint:

   ```python
   def upgrade():
       op.execute("ALTER TABLE users VALIDATE CONSTRAINT ck_users_email_not_null")
       op.alter_column("users", "email", nullable=False)
       op.drop_constraint("ck_users_email_not_null", "users")  # CI:DESTRUCTIVE_OK replaced by NOT NULL
   ```

   The ``SET NOT NULL`` still takes ACCESS EXCLUSIVE, but only for an instant.
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import table_is_new, validated_before


@rule(code="MG207", name="set-not-null", severity=Severity.WARNING, kinds={OpKind.ALTER_COLUMN}, category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if not op.set_not_null or table_is_new(op, migration) or validated_before(op, migration):
        return None
    return f"sets NOT NULL on {op.qualified_table}.{op.target or '?'}, scanning the table under ACCESS EXCLUSIVE"
