"""SQL that cannot be read statically.

migration-guard never runs a revision, so SQL built at run time (a function
argument, a value read from the database, a call it cannot follow) or text that no
SQL parser accepts cannot be checked. Rather than pass it silently, the statement is
reported as a warning so that a reviewer reads it.

**Safer alternative**: pass SQL as a literal string, a module-level constant, or an
f-string whose placeholders only stand for identifiers; migration-guard follows all
three. Where the SQL really is dynamic, review it and add a bypass with the reason:

    op.execute(build_cleanup_sql(batch))  # CI:DESTRUCTIVE_OK reviewed: deletes expired rows only
"""
from validator.model import Migration, OpKind, Operation, Severity
from validator.rules import rule


@rule(code="MG904", name="unresolved-sql", severity=Severity.WARNING, kinds={OpKind.UNRESOLVED_SQL}, category="meta")
def check(op: Operation, migration: Migration) -> str:
    return f"SQL cannot be checked statically: {op.reason or 'unknown value'}"
