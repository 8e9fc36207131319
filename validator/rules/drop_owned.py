"""``DROP OWNED BY`` drops every table, sequence and view a role owns, in the current database.

**What goes wrong**: the statement names a role, not tables: whatever that role owns is
dropped with its data, and with ``CASCADE`` so is everything that depends on it. Which
tables that is depends on the database it runs against, not on anything the revision shows;
the application's own tables are often owned by the very role being cleaned up.

**Safer alternative**: hand the role's objects to another role first (``REASSIGN OWNED BY
old_role TO app_owner``), then ``DROP OWNED BY`` only revokes its privileges. If dropping
its objects really is the point, say why:

    op.execute("DROP OWNED BY etl_scratch")  # CI:DESTRUCTIVE_OK the role owns only its own scratch tables
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule


@rule(code="MG110", name="drop-owned", severity=Severity.ERROR, kinds={OpKind.DROP_OWNED})
def check(op: Operation, migration: Migration) -> str:
    cascade = " with CASCADE, and everything that depends on them" if op.cascade else ""
    return f"drops every object role {op.target or '?'} owns{cascade}"
