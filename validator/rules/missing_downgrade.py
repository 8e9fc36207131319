"""A revision changes the schema in upgrade() but has no downgrade() to undo it.

**What goes wrong**: when a release goes wrong, rolling back means ``alembic downgrade
-1``. A revision without a ``downgrade()``, or whose ``downgrade()`` is only ``pass``,
reports success while leaving the schema as it was upgraded: the old release then runs
against tables, columns and constraints it does not expect, and the next ``upgrade``
fails because the objects already exist.

Reported on the ``def downgrade()`` line (on the ``revision = …`` line when there is none). Only revisions whose ``upgrade()`` changes the schema (creates, alters, drops or renames
something) are reported; a data-only revision may have nothing to undo. A downgrade
that deliberately refuses (``raise NotImplementedError("irreversible: …")``) is an
explicit choice and is not reported.

**Safer alternative**: write the inverse of each upgrade step, in reverse order:

```python
def upgrade():
    op.add_column("orders", sa.Column("currency", sa.Text(), nullable=True))
    op.create_index("ix_orders_currency", "orders", ["currency"])


def downgrade():
    op.drop_index("ix_orders_currency", table_name="orders")
    op.drop_column("orders", "currency")
```

If the change cannot be undone, say so in code, so that a rollback stops loudly
instead of pretending:

```python
def downgrade():
    raise NotImplementedError("irreversible: the old enum values were merged")
```
"""
from ..model import Migration, OpKind, Phase, Severity, Span
from . import rule

# the operations a downgrade() undoes: not data changes (DELETE, UPDATE, TRUNCATE), not DROP DATABASE,
# not a call of a function (what it changes is its body's operations)
SCHEMA_KINDS = frozenset(OpKind) - {OpKind.TRUNCATE, OpKind.DELETE, OpKind.UPDATE, OpKind.DROP_DATABASE,
                                    OpKind.UNRESOLVED_SQL, OpKind.OTHER_SQL, OpKind.CALL_FUNCTION}


def changes_schema(migration: Migration):
    """The first upgrade operation that changes the schema, or None."""
    for op in migration.operations:
        if op.phase is not Phase.UPGRADE:
            continue
        if op.kind in SCHEMA_KINDS or op.schema_change:
            return op
    return None


@rule(code="MG404", name="missing-downgrade", severity=Severity.WARNING, scope="migration", category="graph")
def check(migration: Migration):
    revision = migration.revision
    if not revision.revision or (revision.has_downgrade and not revision.downgrade_is_empty):
        return  # no revision id: not an Alembic revision file as far as can be told
    first = changes_schema(migration)
    if first is None:
        return
    state = "has no downgrade()" if not revision.has_downgrade else "has an empty downgrade()"
    line = revision.downgrade_line or revision.line  # the empty downgrade(), else the revision id
    yield Span(line, line), \
        f"revision {revision.revision} {state} while upgrade() changes the schema (line {first.span.line})"
