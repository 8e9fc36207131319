"""Changing a column's type locks the table and usually rewrites it and its indexes.

**What goes wrong**: ``ALTER TABLE … ALTER COLUMN … TYPE`` (what
``op.alter_column(..., type_=...)`` emits) takes an ACCESS EXCLUSIVE lock on the
table. Unless the old type converts to the new one without any work, PostgreSQL
rewrites every row and rebuilds every index on the table while holding it: no reads,
no writes until the revision commits. ``integer`` to ``bigint``, the most common
change, is a full rewrite. The release still running may also read or write values
the new type no longer accepts.

The rule reads the old type from ``existing_type=`` (Alembic's autogenerate writes it
on every ``alter_column``), or else from the revisions before (the ``create_table``,
``add_column`` or type change that last gave the column its type, following
``down_revision``; read, never imported), and classifies the change:

- **no rewrite**, not reported: ``varchar(n)`` to ``varchar(m)`` with ``m >= n``, to
  ``varchar`` or to ``text``; ``text`` to ``varchar``; ``numeric(p, s)`` to
  ``numeric(q, s)`` with ``q >= p``, or to ``numeric``; the same type again.
- **rewrite**, reported: every other change between known types.
- **unknown**, reported and said so: no ``existing_type=`` and no history that says
  it (a rename or drop on the way, a merge whose branches disagree, SQL built at run
  time, a revision file that cannot be read), a type the linter cannot read, and
  ``timestamp`` to ``timestamptz`` (rewritten unless the session's TimeZone is UTC).

Columns of a table created earlier in the same revision are not reported. For a change
you know to be binary compatible, add ``existing_type=`` or a bypass saying so.

**Safer alternative**: move the data to a new column while both exist:

1. Add the new column, nullable: ``op.add_column("orders", sa.Column("id_big", sa.BigInteger()))``.
2. Keep it in step with the old one for new writes (application code or a trigger).
3. Backfill the existing rows in batches, outside the revision's transaction.
4. Switch reads to the new column and stop writing the old one (a release).
5. Drop the old column and rename the new one in a later, reviewed revision (MG102, MG302).

A binary-compatible change needs no bypass once the old type is stated:

```python
op.alter_column("users", "bio", type_=sa.Text(), existing_type=sa.String(500))
```
"""
from ..model import Migration, OpKind, Operation, Origin, Severity
from . import rule
from ._same_revision import table_is_new
from ._type_change import TypeChange, classify


@rule(code="MG210", name="alter-column-type", severity=Severity.WARNING, kinds={OpKind.ALTER_COLUMN}, category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if not op.type_change or table_is_new(op, migration):
        return None
    change = classify(op.old_type, op.new_type)
    if change is TypeChange.NO_REWRITE:
        return None
    column = f"{op.qualified_table}.{op.target or '?'}"
    new = _shown(op.new_type) or "a new type"
    if change is TypeChange.REWRITE:
        return (f"changes {column} from {_shown(op.old_type)} to {new}: a rewrite of the table and its indexes "
                "under ACCESS EXCLUSIVE")
    if op.old_type is None:
        why = "the old type is unknown (" + ("no existing_type=" if op.origin is Origin.OP_CALL else "SQL does not name it") + ")"
    elif op.new_type is None:
        why = "the new type cannot be read"
    else:
        why = f"from {_shown(op.old_type)} it rewrites unless the session's TimeZone is UTC"
    return f"changes {column} to {new} under ACCESS EXCLUSIVE; {why}, so it may rewrite the table"


def _shown(type_name: str | None) -> str | None:
    return type_name.removeprefix("pg_catalog.") if type_name else None
