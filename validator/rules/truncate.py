"""Truncating a table deletes every row at once and cannot be undone by a downgrade.

**What goes wrong**: ``TRUNCATE`` empties the table (and, with ``CASCADE``, every table
that references it) under an ACCESS EXCLUSIVE lock, blocking all reads and writes
while it runs. A downgrade cannot bring the rows back.

**Safer alternative**: delete the rows that must go with a ``WHERE`` clause, in
batches, or archive the table first. If emptying it is the point, say why:

    op.execute("TRUNCATE import_staging")  # CI:DESTRUCTIVE_OK scratch table refilled nightly
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule


@rule(code="MG105", name="truncate", severity=Severity.ERROR, kinds={OpKind.TRUNCATE})
def check(op: Operation, migration: Migration) -> str:
    cascade = " with CASCADE (referencing tables too)" if op.cascade else ""
    return f"truncates table {op.qualified_table}{cascade}, deleting every row"
