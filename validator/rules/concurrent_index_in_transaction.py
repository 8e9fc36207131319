"""CREATE, DROP or REINDEX … CONCURRENTLY (or DETACH PARTITION … CONCURRENTLY) inside the revision's transaction fails.

**What goes wrong**: PostgreSQL refuses ``CREATE INDEX CONCURRENTLY``, ``DROP INDEX
CONCURRENTLY``, ``REINDEX … CONCURRENTLY`` and ``ALTER TABLE … DETACH PARTITION …
CONCURRENTLY`` inside a transaction block (``… cannot run inside a transaction
block``). Alembic runs every revision on PostgreSQL inside a transaction (PostgreSQL has
transactional DDL, and ``transaction_per_migration`` only changes whether there is one
transaction per revision or one for the whole upgrade). So ``postgresql_concurrently=True``
on its own does not make an index safe: the revision fails at deploy time, and
everything it did before the index is rolled back.

This is why the rule is an **error** by default, unlike the other lock rules: the
revision cannot succeed as written. If your ``env.py`` runs revisions without a
transaction (``transactional_ddl=False``), disable the rule in
``[tool.migration-guard]``.

**Safer alternative**: run the concurrent statement in an autocommit block, which
commits the revision's transaction so far, runs the statement on its own and starts a
new transaction afterwards:

```python
def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_customer_id", "orders", ["customer_id"],
                        postgresql_concurrently=True)
```

The older idiom of ending Alembic's transaction by hand, ``op.execute("COMMIT")``
before the concurrent statement, is still reported: whether it works depends on the
driver. psycopg2 sends no new ``BEGIN`` after it, but psycopg 3 sees the connection idle
and opens a new transaction, so the index build fails exactly as before.
``autocommit_block()`` works with every driver and restores the transaction afterwards.

Keep such revisions small: the work before the block is already committed when the
index build starts, so a failure leaves the revision half applied. One concurrent index
per revision is the easiest to re-run.
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule


@rule(code="MG203", name="concurrent-index-in-transaction", severity=Severity.ERROR,
      kinds={OpKind.CREATE_INDEX, OpKind.DROP_INDEX, OpKind.REINDEX, OpKind.DETACH_PARTITION}, category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if not op.concurrently or op.in_autocommit_block:
        return None
    if op.kind is OpKind.DETACH_PARTITION:
        what = f"detaches partition {op.target or '?'} of {op.qualified_table}"
    else:
        verb = {OpKind.CREATE_INDEX: "builds", OpKind.DROP_INDEX: "drops"}.get(op.kind, "rebuilds")
        what = f"{verb} {op.object_type or 'index'} {op.target or '(unnamed)'}"
    return f"{what} CONCURRENTLY inside the revision's transaction, which PostgreSQL rejects"
