"""A serial column's sequence lets explicit values in, and then its next default collides with them.

**What goes wrong**: ``serial`` (and ``bigserial``; what SQLAlchemy creates for a lone
integer primary key without ``sa.Identity()``) is an integer column with a default taken
from a sequence the column merely owns. An ``INSERT`` that supplies the id itself (a data
fix, a copy from another database) does not move the sequence, so a later insert gets an
id that is already taken and fails with a unique violation, on a production table, at a
time no one chose. Turning the column into an identity column later takes an ACCESS
EXCLUSIVE lock on the table. An identity column (``GENERATED ALWAYS AS IDENTITY``) refuses
explicit values unless asked with ``OVERRIDING SYSTEM VALUE``.

This rule is off by default (enable it with ``enable = ["prefer-identity"]``).

**Safer alternative**: an identity column:

```python
op.create_table(
    "orders",
    sa.Column("id", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
)
```
"""
from ..model import Migration, Operation, Severity
from . import rule
from ._column_types import KINDS, listed, typed_columns

_SERIAL = frozenset({"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"})


@rule(code="MG502", name="prefer-identity", severity=Severity.WARNING, kinds=KINDS, category="design", opt_in=True,
      column_types=True)
def check(op: Operation, migration: Migration) -> str | None:
    serial = [f"{column} ({written})" for column, written, _ in typed_columns(op) if written.lower() in _SERIAL]
    if not serial:
        return None
    return f"makes {listed(serial, op)} serial: an explicit id later collides with its sequence; use an identity column"
