"""What the WHERE clause of a DELETE or UPDATE does to the rows of its table.

A clause filters rows only if it reads something of the row: a condition that names
no column of the target table (``WHERE 1 IN (1, 2)``, ``WHERE EXISTS (SELECT 1)``,
``WHERE coalesce(NULL, true)``) has the same value for every row, so it keeps all of
them or none. Such a clause is reported like a missing one unless it is provably false.
"""
from __future__ import annotations

from typing import Any

from ..model import Where
from .pgnode import Node, const

_COMPARE = {"=": lambda a, b: a == b, "<>": lambda a, b: a != b, "!=": lambda a, b: a != b,
            "<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def _compare(op: str, left: Node | None, right: Node | None) -> bool | None:
    lok, lvalue = const(left)
    rok, rvalue = const(right)
    if lok and rok and lvalue is not None and rvalue is not None:
        try:
            return bool(_COMPARE[op](lvalue, rvalue))
        except TypeError:
            return None
    same = (isinstance(left, Node) and isinstance(right, Node) and left.type == "ColumnRef"
            and right.type == "ColumnRef" and left.data.get("fields") == right.data.get("fields"))
    return True if same and op in ("=", "<=", ">=") else None


def _in_list(node: Node) -> bool | None:
    """``1 IN (1, 2)`` with constants on both sides."""
    ok, value = const(node.lexpr)
    items = node.rexpr.items if isinstance(node.rexpr, Node) and node.rexpr.type == "List" else None
    if not ok or value is None or items is None:
        return None
    values = [const(item) for item in items]
    if not all(known for known, _ in values):
        return None
    found = any(v == value for _, v in values)
    negated = (node.name[-1].sval if node.name else "=") == "<>"  # NOT IN
    return found != negated


def truth(node: Node | None) -> bool | None:
    """The value of a condition that does not depend on any row, else None."""
    ok, value = const(node)
    if ok:
        return value if isinstance(value, bool) else None
    if not isinstance(node, Node):
        return None
    kind = node.type
    if kind == "BoolExpr":
        values = [truth(a) for a in node.args or []]
        if node.boolop == "NOT_EXPR":
            return None if not values or values[0] is None else not values[0]
        if node.boolop == "AND_EXPR":
            return False if False in values else (True if all(v is True for v in values) else None)
        return True if True in values else (False if all(v is False for v in values) else None)
    if kind == "A_Expr" and node.name:
        op = node.name[-1].sval
        if node.kind == "AEXPR_OP" and op in _COMPARE:
            return _compare(op, node.lexpr, node.rexpr)
        if node.kind == "AEXPR_IN":
            return _in_list(node)
        return None
    if kind == "NullTest":
        ok, value = const(node.arg)
        if ok:
            is_null = value is None
            return is_null if node.nulltesttype == "IS_NULL" else not is_null
        return None
    if kind == "BooleanTest":
        inner = truth(node.arg)
        if inner is None:
            ok, value = const(node.arg)
            if not (ok and value is None):
                return None
        return {"IS_TRUE": inner is True, "IS_NOT_TRUE": inner is not True, "IS_FALSE": inner is False,
                "IS_NOT_FALSE": inner is not False, "IS_UNKNOWN": inner is None,
                "IS_NOT_UNKNOWN": inner is not None}.get(node.booltesttype)
    if kind == "CoalesceExpr":
        for arg in node.args or []:
            ok, value = const(arg)
            if ok and value is None:
                continue
            return truth(arg)
        return None
    return None


def _reads_row(value: Any, names: frozenset[str]) -> bool:
    """True when a column reference under ``value`` may read the target row: unqualified, or
    qualified by the table's name or alias. References qualified by another table's alias do not."""
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            ref = item.get("ColumnRef")
            if type(ref) is dict:
                fields = [f.get("String", {}).get("sval") for f in ref.get("fields", []) if "String" in f]
                starred = any("A_Star" in f for f in ref.get("fields", []))
                qualifier = fields[-1] if starred and fields else (fields[-2] if len(fields) >= 2 else None)
                if qualifier is None or qualifier in names:
                    return True
                continue
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
    return False


def where_kind(node: Node | None, relation: Node | None = None) -> Where:
    """How the WHERE clause ``node`` of a statement on ``relation`` (a RangeVar) selects rows."""
    if node is None:
        return Where.NONE
    value = truth(node)
    if value is True:
        return Where.CONSTANT_TRUE
    if value is False or not isinstance(relation, Node) or node.type == "CurrentOfExpr":
        return Where.FILTER  # provably false, no table to compare with, or WHERE CURRENT OF a cursor
    names = {relation.relname}
    alias = relation.alias
    if isinstance(alias, Node) and alias.aliasname:
        names.add(alias.aliasname)
    return Where.FILTER if _reads_row(node.raw(), frozenset(n for n in names if n)) else Where.ROW_INDEPENDENT
