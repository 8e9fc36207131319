"""Dropping a table destroys every row in it and breaks code that still reads it.

**What goes wrong**: ``op.drop_table`` or ``DROP TABLE`` removes the table and its data
for good. The running release may still query it, so requests fail the moment the
migration commits; a downgrade recreates an empty table, never the rows.

**Safer alternative**:

1. Ship a release that no longer reads or writes the table.
2. Keep the data: rename the table (``ALTER TABLE t RENAME TO t_retired``) or copy it
   to an archive, and wait a release cycle.
3. Drop it in a later revision, with a bypass that says why it is safe:

       op.drop_table("legacy_events")  # CI:DESTRUCTIVE_OK archived to s3://dumps/legacy_events (ADR-015)
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule


@rule(code="MG101", name="drop-table", severity=Severity.ERROR, kinds={OpKind.DROP_TABLE})
def check(op: Operation, migration: Migration) -> str:
    return f"drops table {op.qualified_table} and every row in it"
