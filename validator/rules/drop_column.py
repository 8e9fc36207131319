"""Dropping a column destroys its values and breaks the release that still uses it.

**What goes wrong**: ``op.drop_column``, ``batch_op.drop_column`` or ``ALTER TABLE … DROP
COLUMN`` deletes the column's data. Application code deployed before the migration
still selects or inserts the column and fails until the new release is out.

**Safer alternative**:

1. Stop reading and writing the column in application code (and remove it from ORM
   models, or mark it deferred) and deploy that.
2. Drop it in a later revision once no running code knows it, with a bypass:

       op.drop_column("users", "legacy_flag")  # CI:DESTRUCTIVE_OK unused since v42, see ADR-021
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule


@rule(code="MG102", name="drop-column", severity=Severity.ERROR, kinds={OpKind.DROP_COLUMN})
def check(op: Operation, migration: Migration) -> str:
    return f"drops column {op.target or '?'} of table {op.qualified_table} and its data"
