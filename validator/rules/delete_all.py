"""A DELETE without a real WHERE clause deletes every row of the table.

**What goes wrong**: ``DELETE FROM t`` with no ``WHERE``, or with one that is always
true (``WHERE 1=1``, ``WHERE true``, ``WHERE 'a'='a'``), empties the table row by
row, holding row locks on all of it and bloating it with dead tuples. So does a
``WHERE`` that reads no column of the table, whatever its form (``WHERE 1 IN (1, 2)``,
``WHERE EXISTS (SELECT 1 FROM other)``, ``WHERE coalesce(NULL, true)``): it has the
same value for every row, so it keeps all of them or none. Only a clause that is
provably false is not reported. A ``DELETE`` inside a ``WITH`` (``WITH gone AS (DELETE
FROM t RETURNING *) INSERT ...``) is read like any other.

``sa.delete(t)`` or ``t.delete()`` without a where-clause (``.where(...)``, or the
positional one of SQLAlchemy 1.x: ``t.delete(t.c.expires < now)``), one with
``.where(sa.true())``, and ``session.query(Model).delete()`` without ``.filter(...)``
do the same.

**Safer alternative**: restrict the delete to the rows that must go (``WHERE
created_at < now() - interval '90 days'``), and run large deletes in batches. If every
row really must go, say why:

    op.execute("DELETE FROM feature_flags_cache")  # CI:DESTRUCTIVE_OK cache rebuilt on startup
"""
from ..model import Migration, OpKind, Operation, Severity, Where
from . import rule


@rule(code="MG106", name="delete-all", severity=Severity.ERROR, kinds={OpKind.DELETE})
def check(op: Operation, migration: Migration) -> str | None:
    where = op.where
    if where is Where.NONE:
        return f"deletes every row of {op.qualified_table}: the DELETE has no WHERE clause"
    if where is Where.CONSTANT_TRUE:
        return f"deletes every row of {op.qualified_table}: its WHERE clause is always true"
    if where is Where.ROW_INDEPENDENT:
        return f"deletes every row of {op.qualified_table}: its WHERE clause reads no column of the table"
    return None
