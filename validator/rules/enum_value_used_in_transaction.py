"""A new enum value used in the same transaction that adds it: PostgreSQL refuses the revision.

**What goes wrong**: ``ALTER TYPE … ADD VALUE`` inside a transaction block is allowed
(PostgreSQL 12 and later; before 12 it is refused outright), but the new value cannot
be used until that transaction commits. An ``UPDATE … SET status = 'archived'``, an
``INSERT`` or a ``server_default`` naming the value later in the same revision fails
with ``unsafe use of new value "archived" of enum type``, and the whole revision rolls
back. Alembic runs every pending revision in one transaction unless
``transaction_per_migration`` is set, so a use in the *next* revision fails too; this
rule sees the uses in the same revision.

A use inside an ``autocommit_block()`` that comes after the ``ADD VALUE`` is fine: the
block commits the transaction first.

**Safer alternative**: commit the new value before using it. Add it in an autocommit
block, or in its own revision with ``transaction_per_migration=True`` in ``env.py``:

```python
def upgrade():
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'archived'")
    op.execute("UPDATE orders SET status = 'archived' WHERE closed_at < now() - interval '1 year'")
```
"""
from __future__ import annotations

from typing import Iterator

from ..model import Migration, OpKind, Operation, Origin, Severity
from . import Hit, rule


@rule(code="MG217", name="enum-value-used-in-transaction", severity=Severity.ERROR, scope="migration",
      category="lock")
def check(migration: Migration) -> Iterator[Hit]:
    if not any(op.kind is OpKind.ADD_ENUM_VALUE for op in migration.operations):
        return
    uncommitted: dict[str, Operation] = {}  # label -> the ADD VALUE not yet committed
    phase = None
    for op in migration.operations:
        if op.phase is not phase or op.in_autocommit_block:
            uncommitted.clear()  # another function, or a block that committed what came before
            phase = op.phase
        if op.in_autocommit_block:
            continue
        if op.kind is OpKind.ADD_ENUM_VALUE and op.enum_value:
            uncommitted[op.enum_value] = op
            continue
        for label, added in uncommitted.items():
            if _uses(op, label):
                yield op, (f"uses enum value '{label}' of {added.target or '?'} (added on line {added.span.line}) "
                           "in the transaction that adds it, which PostgreSQL rejects")
                break


def _uses(op: Operation, label: str) -> bool:
    """The statement names the label as a string: a literal in SQL, either quote in a Python call."""
    if f"'{label}'" in op.statement:
        return True
    return op.origin is Origin.OP_CALL and f'"{label}"' in op.statement
