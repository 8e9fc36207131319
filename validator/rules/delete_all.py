"""A DELETE without a real WHERE clause deletes every row of the table.

**What goes wrong**: ``DELETE FROM t`` with no ``WHERE``, or with one that is always
true (``WHERE 1=1``, ``WHERE true``, ``WHERE 'a'='a'``), empties the table row by
row, holding row locks on all of it and bloating it with dead tuples.
``sa.delete(t)`` or ``t.delete()`` without ``.where(...)`` does the same.

**Safer alternative**: restrict the delete to the rows that must go (``WHERE
created_at < now() - interval '90 days'``), and run large deletes in batches. If every
row really must go, say why:

    op.execute("DELETE FROM feature_flags_cache")  # CI:DESTRUCTIVE_OK cache rebuilt on startup
"""
from validator.model import Migration, OpKind, Operation, Severity, Where
from validator.rules import rule


@rule(code="MG106", name="delete-all", severity=Severity.ERROR, kinds={OpKind.DELETE})
def check(op: Operation, migration: Migration) -> str | None:
    where = op.where
    if where is Where.NONE:
        return f"deletes every row of {op.qualified_table}: the DELETE has no WHERE clause"
    if where is Where.CONSTANT_TRUE:
        return f"deletes every row of {op.qualified_table}: its WHERE clause is always true"
    return None
