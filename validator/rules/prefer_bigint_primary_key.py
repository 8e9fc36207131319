"""A new table's integer primary key runs out at 2,147,483,647 rows, and widening it later rewrites the table.

**What goes wrong**: an ``integer`` (or ``serial``, which is an integer with a sequence)
primary key stops accepting rows when its sequence passes 2,147,483,647: every insert fails
with ``nextval: reached maximum value of sequence``. A busy events or audit table gets
there in a few years. The fix then, ``ALTER COLUMN id TYPE bigint``, rewrites the table and
every index on it under ACCESS EXCLUSIVE (MG210), and the foreign keys that point at it
must change too. ``bigint`` costs four more bytes a row today.

This rule is off by default (enable it with ``enable = ["prefer-bigint-primary-key"]``).
It reads ``create_table`` and ``CREATE TABLE``.

**Safer alternative**: make new primary keys ``bigint`` from the start, with an identity:

```python
op.create_table(
    "events",
    sa.Column("id", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
)
```
"""
from ..model import Migration, OpKind, Operation, Severity
from . import rule
from ._column_types import listed, typed_columns

_NARROW = frozenset({"integer", "smallint"})


@rule(code="MG501", name="prefer-bigint-primary-key", severity=Severity.WARNING, kinds={OpKind.CREATE_TABLE},
      category="design", opt_in=True, column_types=True)
def check(op: Operation, migration: Migration) -> str | None:
    keys = {k.lower() for k in op.primary_key}
    narrow = [f"{column} ({written})" for column, written, (base, _) in typed_columns(op)
              if column.lower() in keys and base in _NARROW]
    if not narrow:
        return None
    return f"makes the primary key {listed(narrow, op)} 32-bit: it runs out at 2,147,483,647 and widening it rewrites the table"
