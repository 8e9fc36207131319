"""Adding a column whose default must be computed row by row rewrites the whole table.

**What goes wrong**: since PostgreSQL 11 a new column with a constant default (``0``,
``'pending'``, ``now()``) is added without touching the rows. A *volatile* default
cannot be stored once for all rows, so ``ADD COLUMN`` rewrites the table and every
index on it while holding an ACCESS EXCLUSIVE lock: no reads, no writes until the
copy is done and the revision commits. Reported here: a default calling
``gen_random_uuid()``, ``uuid_generate_v4()``, ``random()``, ``clock_timestamp()``,
``nextval()`` and the like, ``serial``/``bigserial`` columns, identity columns
(``sa.Identity()``, ``GENERATED … AS IDENTITY``) and stored generated columns
(``sa.Computed(...)``, ``GENERATED ALWAYS AS (…) STORED``).

Columns added to a table created earlier in the same revision are not reported.

**Safer alternative**: add the column without the volatile default, set the default
for new rows only, then fill the old rows in batches:

1. Add it nullable, with no default: ``op.add_column("events", sa.Column("public_id", sa.Uuid(), nullable=True))``.
2. Set the default for rows inserted from now on (no rewrite):

   ```python
   op.alter_column("events", "public_id", server_default=sa.text("gen_random_uuid()"))
   ```
3. Backfill the existing rows in batches outside the revision's transaction
   (``UPDATE events SET public_id = gen_random_uuid() WHERE id BETWEEN …``).
4. Make it NOT NULL the safe way (see MG207).
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._columns import SERIAL
from ._same_revision import table_is_new


def _why(op: Operation) -> str | None:
    if op.identity:
        return "an identity"
    if str(op.column_type or "").lower() in SERIAL:
        return f"a {str(op.column_type).lower()}"
    if op.generated_stored:
        return "a stored generated"
    if op.volatile_default:
        functions = op.volatile_functions or ()
        return f"a volatile default ({functions[0]}())" if functions else "a volatile default"
    return None


@rule(code="MG209", name="volatile-default", severity=Severity.WARNING, kinds={OpKind.ADD_COLUMN}, category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    why = _why(op)
    if why is None or table_is_new(op, migration):
        return None
    if why.startswith("a volatile") or why == "a stored generated":
        return f"adds column {op.target or '?'} to {op.qualified_table} with {why}, rewriting the table"
    return f"adds {why} column {op.target or '?'} to {op.qualified_table}, rewriting the table"
