"""Dropping an extension with CASCADE drops every column, index and function that uses it.

**What goes wrong**: ``DROP EXTENSION postgis CASCADE`` removes the extension's types
and functions and, with them, every column of those types (``geometry``, ``hstore``,
``citext``...), every index built on its operators and every view or default that calls
it. The data in those columns is gone; the revision names only the extension.

**Safer alternative**: drop or convert the columns and indexes that use the extension in
reviewed revisions, then drop the extension without ``CASCADE``, which PostgreSQL refuses
while anything still depends on it. If the cascade really is meant, say why:

    op.execute("DROP EXTENSION pg_trgm CASCADE")  # CI:DESTRUCTIVE_OK only the search index used it, dropped in rev 91ab
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule


@rule(code="MG109", name="drop-extension-cascade", severity=Severity.ERROR, kinds={OpKind.DROP_OTHER})
def check(op: Operation, migration: Migration) -> str | None:
    if not op.cascade or op.object_type != "extension":
        return None
    return f"drops extension {op.target or '?'} with CASCADE, and every column, index and function that uses it"
