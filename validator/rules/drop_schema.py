"""Dropping a schema removes every object inside it.

**What goes wrong**: ``DROP SCHEMA`` fails if the schema is not empty, and with
``CASCADE`` it silently drops every table, view, function and sequence in it, with
their data.

**Safer alternative**: drop the objects one by one in reviewed revisions, so each drop
is visible, then drop the empty schema without ``CASCADE``. If the whole schema really
must go, say why:

    op.execute("DROP SCHEMA staging_2023")  # CI:DESTRUCTIVE_OK empty since the 2024 migration
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule


@rule(code="MG103", name="drop-schema", severity=Severity.ERROR, kinds={OpKind.DROP_SCHEMA})
def check(op: Operation, migration: Migration) -> str:
    cascade = " with CASCADE, dropping everything in it" if op.cascade else " and everything in it"
    return f"drops schema {op.target or '?'}{cascade}"
