"""Adding a UNIQUE or PRIMARY KEY constraint builds its index under an ACCESS EXCLUSIVE lock.

**What goes wrong**: ``ALTER TABLE … ADD CONSTRAINT … UNIQUE (…)`` and ``… PRIMARY KEY
(…)`` (what ``op.create_unique_constraint`` and ``op.create_primary_key`` emit, and
what ``op.add_column`` emits for a ``unique=True`` column) build a new unique index
while holding an ACCESS EXCLUSIVE lock on the table: no reads, no writes, for as long
as the index build takes and until the revision commits. Unlike ``CREATE INDEX`` there
is no ``CONCURRENTLY`` form of the constraint itself.

Constraints on a table created earlier in the same revision are not reported.

**Safer alternative**: build the unique index concurrently, then attach it to the
constraint, which only needs a brief lock because the index already exists:

1. In a revision of its own (see MG203):

   ```python
   def upgrade():
       with op.get_context().autocommit_block():
           op.create_index("uq_users_email", "users", ["email"], unique=True,
                           postgresql_concurrently=True)
   ```
2. In the next revision, turn the index into the constraint:

   ```python
   op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX uq_users_email")
   ```

   For a primary key the columns must already be ``NOT NULL`` (see MG207), otherwise
   ``ADD PRIMARY KEY USING INDEX`` scans the table to set them.
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import table_is_new


@rule(code="MG206", name="add-unique-constraint", severity=Severity.WARNING,
      kinds={OpKind.ADD_CONSTRAINT, OpKind.ADD_COLUMN}, category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if op.kind is OpKind.ADD_COLUMN:
        if not op.unique or table_is_new(op, migration):
            return None
        return f"adds unique column {op.target or '?'} to {op.qualified_table}, building its index under ACCESS EXCLUSIVE"
    kind = op.constraint_type
    if kind not in ("unique", "primary_key") or op.using_index or table_is_new(op, migration):
        return None
    what = "unique constraint" if kind == "unique" else "primary key"
    return (f"adds {what} {op.target or '(unnamed)'} on {op.qualified_table} without USING INDEX, "
            "building its index under ACCESS EXCLUSIVE")
