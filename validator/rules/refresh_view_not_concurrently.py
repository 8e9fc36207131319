"""Refreshing a materialized view without CONCURRENTLY blocks every reader of the view.

**What goes wrong**: ``REFRESH MATERIALIZED VIEW`` takes an ACCESS EXCLUSIVE lock on the
view and holds it while the whole query runs again and until the revision commits.
Dashboards and reports that read the view wait for the full recomputation.

A view created earlier in the same revision, or by another revision of the same pull
request, has no readers yet and is not reported.

**Safer alternative**: ``REFRESH MATERIALIZED VIEW CONCURRENTLY`` takes an EXCLUSIVE
lock, which lets ``SELECT`` through, and swaps in the changed rows at the end. It needs a
unique index on the view (create it in the revision that creates the view) and a view
that has been populated once:

```python
def upgrade():
    op.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY daily_channel_spend")
```
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import created_in_revision, view_is_new


@rule(code="MG216", name="refresh-view-not-concurrently", severity=Severity.WARNING, kinds={OpKind.REFRESH_VIEW},
      category="lock")
def check(op: Operation, migration: Migration) -> str | None:
    if op.concurrently or created_in_revision(op, OpKind.CREATE_VIEW, op.target, migration) or \
            view_is_new(op, migration):
        return None
    name = f"{op.schema}.{op.target}" if op.schema else op.target or "?"
    return f"refreshes materialized view {name} without CONCURRENTLY, blocking every reader until the revision commits"
