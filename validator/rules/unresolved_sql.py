"""SQL that cannot be read statically.

migration-guard never runs a revision. It partially evaluates the SQL a revision
builds (constants, f-strings, ``format``, ``join``, the file's own functions...) and
checks the literal skeleton: ``f"DROP TABLE {name}"`` is still a ``DROP TABLE``. What is
left has no readable verb: text read from a file, fetched from the database or built
by code outside the revision, text that no SQL parser accepts, or a value where the
evaluation stopped (a function that calls itself, too many possible values; the
message says which). Rather than pass it silently, the statement is reported as a
warning so that a reviewer reads it.

**Safer alternative**: pass SQL the revision states (a literal, a constant, or text
built from them in the file); migration-guard follows it and checks each statement.
Where the SQL really is dynamic, review it and add a bypass with the reason:

    op.execute(build_cleanup_sql(batch))  # CI:DESTRUCTIVE_OK reviewed: deletes expired rows only
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule


@rule(code="MG904", name="unresolved-sql", severity=Severity.WARNING, kinds={OpKind.UNRESOLVED_SQL}, category="meta")
def check(op: Operation, migration: Migration) -> str:
    return f"SQL cannot be checked statically: {op.reason or 'unknown value'}"
