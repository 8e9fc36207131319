"""Whether PostgreSQL rewrites a table to change a column from one type to another.

PostgreSQL skips the rewrite when the old values are already valid in the new type
without conversion: a longer (or unlimited) ``varchar``, ``varchar`` to ``text``, a
``numeric`` of greater precision and the same scale. Every claim here is measured on
PostgreSQL (``tests/pg/test_lock_claims.py``: the table's relfilenode before and after).
"""
from __future__ import annotations

import enum
import re


class TypeChange(str, enum.Enum):
    NO_REWRITE = "no-rewrite"
    REWRITE = "rewrite"
    UNKNOWN = "unknown"


# the parser's internal names -> the names people write
_ALIASES = {
    "int4": "integer", "int": "integer", "int8": "bigint", "int2": "smallint", "bpchar": "char",
    "character": "char", "bool": "boolean", "float8": "double precision", "float4": "real",
    "character varying": "varchar", "decimal": "numeric", "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    # a serial column is the integer type with a sequence default
    "serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
    "smallserial": "smallint", "serial2": "smallint",
}
_TYPE = re.compile(r"^\s*(?:pg_catalog\.)?([a-z_][a-z0-9_ ]*?)\s*(?:\(\s*([0-9,\s]*)\))?\s*$")


def normalized(type_name: str | None) -> tuple[str, tuple[int, ...]] | None:
    """``pg_catalog.varchar(20)`` -> ``("varchar", (20,))``; None for a type not read."""
    match = _TYPE.match((type_name or "").lower())
    if not match:
        return None
    base = _ALIASES.get(match.group(1), match.group(1))
    mods = tuple(int(m) for m in (match.group(2) or "").replace(" ", "").split(",") if m)
    if base == "numeric" and len(mods) == 1:
        mods += (0,)  # numeric(p) is numeric(p, 0)
    return base, mods


def classify(old_type: str | None, new_type: str | None) -> TypeChange:
    old, new = normalized(old_type), normalized(new_type)
    if old is None or new is None:
        return TypeChange.UNKNOWN
    if old == new:
        return TypeChange.NO_REWRITE
    (old_base, old_mods), (new_base, new_mods) = old, new
    if old_base == "varchar" and new_base in ("varchar", "text"):
        widened = not new_mods or (old_mods and new_mods[0] >= old_mods[0])
        return TypeChange.NO_REWRITE if widened else TypeChange.REWRITE
    if old_base == "text" and new == ("varchar", ()):
        return TypeChange.NO_REWRITE
    if old_base == new_base == "numeric":
        if not new_mods or (old_mods and new_mods[1] == old_mods[1] and new_mods[0] >= old_mods[0]):
            return TypeChange.NO_REWRITE
        return TypeChange.REWRITE
    if (old_base, new_base) in (("timestamp", "timestamptz"), ("timestamptz", "timestamp")):
        return TypeChange.UNKNOWN  # no rewrite only when the session's TimeZone is UTC
    return TypeChange.REWRITE
