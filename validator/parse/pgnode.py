"""PostgreSQL's parse tree as light read-only nodes over pglast's JSON output.

pglast can build a Python object for every node, but that costs more than the parse
itself; reading the JSON it also offers and wrapping only the nodes that are visited
is five times cheaper. Enum fields are their names as strings (``"OBJECT_TABLE"``);
absent fields read as None.
"""
from __future__ import annotations

import bisect
import json
from typing import Any, Iterator

from pglast.parser import parse_sql_json

# Functions whose value changes row by row: a column default calling one makes PostgreSQL
# compute it for every existing row, rewriting the table.
VOLATILE_FUNCTIONS = frozenset({
    "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v4", "clock_timestamp",
    "timeofday", "nextval", "txid_current", "statement_timestamp", "setseed",
})


def volatile(functions: tuple[str, ...] | None) -> tuple[str, ...]:
    """The volatile ones among called function names, in call order."""
    return tuple(f for f in functions or () if f in VOLATILE_FUNCTIONS)


class Node:
    __slots__ = ("type", "data")

    def __init__(self, type_: str, data: dict):
        self.type = type_
        self.data = data

    def __getattr__(self, name: str) -> Any:
        value = self.data.get("def" if name == "def_" else name)
        # most fields read are names, flags or absent: no wrapper to build
        return value if value is None or type(value) in _SCALARS else wrap(value)

    def __repr__(self) -> str:
        return f"Node({self.type}, {self.data!r})"

    def raw(self) -> dict:
        """The JSON of this node, with its type key, for walking every descendant."""
        return {self.type: self.data} if self.type else self.data


_SCALARS = frozenset({str, int, bool, float})


def wrap(value: Any) -> Any:
    if type(value) is dict:
        if len(value) == 1:
            for key, inner in value.items():
                if key[:1].isupper() and type(inner) is dict:
                    return Node(key, inner)
        return Node("", value)
    if type(value) is list:
        return [wrap(v) for v in value]
    return value


def parse(text: str) -> Iterator[tuple[int, int, Node]]:
    """(start, end, statement) per statement, as character offsets into ``text``."""
    data = json.loads(parse_sql_json(text))
    to_char = _char_offsets(text)
    for raw in data.get("stmts", []):
        start = raw.get("stmt_location", 0)
        length = raw.get("stmt_len")
        # the last statement has no length: it runs to the end
        end = to_char(start + length) if length else len(text)
        yield to_char(start), end, wrap(raw.get("stmt", {}))


def _char_offsets(text: str):
    """UTF-8 byte offset -> character offset (the JSON output counts bytes)."""
    if text.isascii():
        return lambda offset: offset
    starts = [0]
    for ch in text:
        starts.append(starts[-1] + len(ch.encode("utf-8", "surrogatepass")))
    return lambda offset: bisect.bisect_right(starts, offset) - 1


def function_names(node: Any) -> tuple[str, ...]:
    """Names of the functions called anywhere under ``node``."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            call = value.get("FuncCall")
            if isinstance(call, dict) and call.get("funcname"):
                found.append(str((call["funcname"][-1].get("String") or {}).get("sval", "")).lower())
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(node.raw() if isinstance(node, Node) else node)
    return tuple(found)


def const(node: Any) -> tuple[bool, Any]:
    """(is a constant, its value) for ``A_Const`` and casts of one."""
    if not isinstance(node, Node):
        return False, None
    if node.type == "A_Const":
        data = node.data
        if data.get("isnull"):
            return True, None
        for key, default in (("boolval", False), ("ival", 0), ("fval", "0"), ("sval", "")):
            if key in data:
                value = (data[key] or {}).get(key, default)
                return True, float(value) if key == "fval" else value
        return False, None
    if node.type == "TypeCast":
        ok, value = const(node.arg)
        names = [n.sval for n in (node.typeName.names or [])] if node.typeName else []
        if ok and isinstance(value, str) and names and names[-1] in ("bool", "boolean"):
            return True, value.lower() in ("t", "true", "y", "yes", "on", "1")
        return ok, value
    return False, None
