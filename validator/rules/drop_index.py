"""Dropping an index can slow the queries that used it and remove a uniqueness guarantee.

**What goes wrong**: after ``op.drop_index`` or ``DROP INDEX`` the planner falls back
to other plans; a query that used the index for a lookup may now scan the table,
which can turn a millisecond endpoint into a timeout under load. Dropping a unique
index also lets duplicates in. Recreating the index takes as long as building it did.

This rule is off by default (enable it with ``enable = ["drop-index"]``): dropping
unused indexes is routine maintenance. The lock side of a drop is MG202.

**Safer alternative**:

1. Check the index is unused: ``idx_scan`` in ``pg_stat_user_indexes`` on the primary
   and every replica, over a period that covers monthly jobs.
2. Drop it concurrently (MG202), with a bypass that records the evidence:

   ```python
   def upgrade():
       with op.get_context().autocommit_block():
           op.drop_index("ix_orders_legacy", table_name="orders",
                         postgresql_concurrently=True)  # CI:DESTRUCTIVE_OK idx_scan = 0 for 60 days
   ```
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import created_in_revision


@rule(code="MG304", name="drop-index", severity=Severity.WARNING, kinds={OpKind.DROP_INDEX}, category="compatibility",
      opt_in=True)
def check(op: Operation, migration: Migration) -> str | None:
    if created_in_revision(op, OpKind.CREATE_INDEX, op.target, migration):
        return None
    table = f" of {op.qualified_table}" if op.table else ""
    return f"drops index {op.target or '?'}{table}"
