"""Dropping a constraint removes a guarantee the data and the code rely on.

**What goes wrong**: ``op.drop_constraint`` or ``ALTER TABLE … DROP CONSTRAINT`` lets
rows in that the constraint kept out: duplicates after a unique constraint goes,
orphans after a foreign key goes, invalid values after a check goes. Restoring it
later fails once bad rows exist.

**Safer alternative**: when replacing a constraint, create the new one first (``NOT
VALID``, then ``VALIDATE CONSTRAINT``), then drop the old one in the same reviewed
revision with a bypass:

    op.drop_constraint("orders_status_check", "orders")  # CI:DESTRUCTIVE_OK replaced by orders_status_check_v2
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule


@rule(code="MG107", name="drop-constraint", severity=Severity.ERROR, kinds={OpKind.DROP_CONSTRAINT})
def check(op: Operation, migration: Migration) -> str:
    return f"drops constraint {op.target or '?'} of table {op.qualified_table}"
