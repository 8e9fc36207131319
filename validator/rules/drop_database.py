"""Dropping a database from a migration destroys the whole database.

**What goes wrong**: ``DROP DATABASE`` cannot run inside a transaction, and when it
runs it takes every schema and row with it. A revision is the wrong place for it:
migrations run automatically on every environment, production included.

**Safer alternative**: manage databases outside Alembic (infrastructure code, a
runbook). There is no safe form of this statement in a revision.
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule


@rule(code="MG104", name="drop-database", severity=Severity.ERROR, kinds={OpKind.DROP_DATABASE})
def check(op: Operation, migration: Migration) -> str:
    return f"drops database {op.target or '?'}"
