"""Dropping a type or domain with CASCADE drops every column declared with it.

**What goes wrong**: ``DROP TYPE status CASCADE`` (or ``DROP DOMAIN … CASCADE``) does not
stop at the type: PostgreSQL drops every column of every table that uses it, with its
data, and every function, view and default that depends on it. The statement names one
type; the tables it empties are nowhere in the revision.

**Safer alternative**: move the columns off the type first, in reviewed revisions
(``ALTER TABLE orders ALTER COLUMN status TYPE text``), then drop the type without
``CASCADE``: PostgreSQL refuses if anything still uses it. If the cascade really is
meant, say why:

    op.execute("DROP TYPE legacy_status CASCADE")  # CI:DESTRUCTIVE_OK no column uses it since rev 3f2a
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule


@rule(code="MG108", name="drop-type-cascade", severity=Severity.ERROR, kinds={OpKind.DROP_OTHER})
def check(op: Operation, migration: Migration) -> str | None:
    if not op.cascade or op.object_type not in ("type", "domain"):
        return None
    return f"drops {op.object_type} {op.target or '?'} with CASCADE, and with it every column declared with it"
