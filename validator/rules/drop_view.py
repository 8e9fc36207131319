"""Dropping a view or materialized view breaks every query and report that reads it.

**What goes wrong**: ``DROP VIEW`` and ``DROP MATERIALIZED VIEW`` remove an interface
that code, dashboards, BI tools and other views depend on; they fail as soon as the
revision commits. ``CASCADE`` silently drops the views built on top of it as well.
A materialized view's rows can be recomputed, but only by a refresh that may take
minutes.

A view that the same revision creates again under the same name (the usual way to
change a view's columns) is a replacement, not a removal, and is not reported; neither
is a view created earlier in the same revision.

**Safer alternative**:

1. Find what reads it (``pg_depend``, query logs, BI tools) and move them off it.
2. Drop it in a later revision, with a bypass that says why it is safe:

   ```python
   op.execute("DROP MATERIALIZED VIEW mv_legacy_rollup")  # CI:DESTRUCTIVE_OK unused since 2024-05, see ADR-031
   ```

To change a view, replace it in one revision (``CREATE OR REPLACE VIEW`` when only
columns are added at the end, or ``DROP VIEW`` followed by ``CREATE VIEW``).
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._same_revision import created_in_revision


@rule(code="MG303", name="drop-view", severity=Severity.WARNING, kinds={OpKind.DROP_VIEW}, category="compatibility")
def check(op: Operation, migration: Migration) -> str | None:
    if created_in_revision(op, OpKind.CREATE_VIEW, op.target, migration, earlier_only=False):
        return None
    what = "materialized view" if op.materialized else "view"
    name = f"{op.schema}.{op.target}" if op.schema else op.target or "?"
    cascade = " and, with CASCADE, the views built on it" if op.cascade else ""
    return f"drops {what} {name}{cascade}"
