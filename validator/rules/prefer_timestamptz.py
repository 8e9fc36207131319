"""A ``timestamp`` column stores wall-clock time: the same instant is stored differently by each session's time zone.

**What goes wrong**: ``timestamp`` (without time zone, what ``sa.DateTime()`` creates)
keeps the digits it is given and drops the offset. ``now()`` written from a session in
``UTC`` and from one in ``Asia/Tokyo`` at the same instant are stored nine hours apart,
and comparisons across daylight-saving changes are off by an hour. Converting the column
to ``timestamptz`` later rewrites the table under ACCESS EXCLUSIVE unless the session
doing it runs in UTC (MG210).

This rule is off by default (enable it with ``enable = ["prefer-timestamptz"]``).

**Safer alternative**: ``timestamptz`` stores the instant:

```python
op.add_column("orders", sa.Column("shipped_at", sa.DateTime(timezone=True)))
```
"""
from ..model import Migration, Operation, Severity
from . import rule
from ._column_types import KINDS, listed, typed_columns


@rule(code="MG503", name="prefer-timestamptz", severity=Severity.WARNING, kinds=KINDS, category="design",
      opt_in=True, column_types=True)
def check(op: Operation, migration: Migration) -> str | None:
    naive = [column for column, _, (base, _) in typed_columns(op) if base == "timestamp"]
    if not naive:
        return None
    return f"makes {listed(naive, op)} timestamp without time zone: the instant it stores depends on the session"
