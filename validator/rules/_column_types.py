"""The columns a revision gives a type: the new table's columns, an added column, a changed type.

For the design rules (MG501-MG504), which judge the type itself; types are read as
``_type_change.normalized`` names them (``varchar(20)`` -> ``("varchar", (20,))``).
"""
from __future__ import annotations

from typing import Iterator

from ..model import OpKind, Operation
from ._type_change import normalized

KINDS = frozenset({OpKind.CREATE_TABLE, OpKind.ADD_COLUMN, OpKind.ALTER_COLUMN})


def typed_columns(op: Operation) -> Iterator[tuple[str, str, tuple[str, tuple[int, ...]]]]:
    """(column, type as written, normalized type) of every column ``op`` gives a type it can read."""
    if op.kind is OpKind.CREATE_TABLE:
        given = op.column_types
    elif op.kind is OpKind.ADD_COLUMN:
        given = ((op.target or "?", op.column_type),)
    elif op.kind is OpKind.ALTER_COLUMN and op.type_change:
        given = ((op.target or "?", op.new_type),)
    else:
        given = ()
    for column, written in given:
        found = normalized(written) if written else None
        if found:
            yield column, written.removeprefix("pg_catalog."), found


def listed(columns: list[str], op: Operation) -> str:
    return f"{', '.join(columns)} of {op.qualified_table}"
