"""A ``varchar(n)`` limit is changed under ACCESS EXCLUSIVE, and lowering it rewrites the table.

**What goes wrong**: the length of a ``varchar(n)`` column is part of its type. Raising it
takes an ACCESS EXCLUSIVE lock on the table (brief, but it queues behind every running
query, and every later query queues behind it); lowering it rewrites the table and its
indexes under that lock (MG210). In PostgreSQL ``text`` and ``varchar`` are stored the
same way, so the limit buys no space.

This rule is off by default (enable it with ``enable = ["prefer-text"]``).

**Safer alternative**: ``text`` with the limit as a check constraint, which can later be
replaced by adding the new one ``NOT VALID`` and validating it under SHARE UPDATE
EXCLUSIVE, without a rewrite:

```python
op.add_column("users", sa.Column("nickname", sa.Text()))
op.create_check_constraint("ck_users_nickname_length", "users", "char_length(nickname) <= 40")
```
"""
from ..model import Migration, Operation, Severity
from . import rule
from ._column_types import KINDS, listed, typed_columns


@rule(code="MG504", name="prefer-text", severity=Severity.WARNING, kinds=KINDS, category="design", opt_in=True,
      column_types=True)
def check(op: Operation, migration: Migration) -> str | None:
    limited = [f"{column} ({written})" for column, written, (base, mods) in typed_columns(op)
               if base == "varchar" and mods]
    if not limited:
        return None
    return f"limits {listed(limited, op)} by its type: changing the limit locks the table; use text and a check"
