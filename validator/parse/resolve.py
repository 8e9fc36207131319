"""Names a revision binds, and the SQLAlchemy constructs it passes to ``execute``.

A ``Scope`` remembers, for each name, every value that can reach the point being
read: a name assigned in both branches of an ``if`` has two. Values stay unevaluated
(an expression and the scope to read it in) until something asks for them; the
partial evaluator (``validator.parse.evaluate``) turns them into SQL text.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable

from ..model import OpKind, Operation, Origin
from . import sqlalchemy_ops
from .strings import SqlText

_DEPTH_LIMIT = 50


@dataclass(frozen=True)
class Bound:
    """One value a name can hold: an expression read in ``scope``, SQL text already
    computed (a piece of ``split``), or nothing the linter can see (``expr`` and
    ``text`` both None: a loop variable over unknown items, an unpassed parameter)."""

    expr: ast.expr | ast.FunctionDef | ast.AsyncFunctionDef | None  # a ``def`` binds its name too
    scope: "Scope | None" = None
    text: SqlText | None = None
    yielded: bool = False  # an item a generator function yields, rather than a value it returns
    here: bool = False  # read in the scope that holds it (kept as a flag: a reference would be a cycle)

    @property
    def unknown(self) -> bool:
        return self.expr is None and self.text is None


UNKNOWN = Bound(None)


# Values that read no name when they are read: nothing to freeze (a lambda reads its names
# when it is called, as Python does).
_READS_NO_NAME = (ast.Constant, ast.Lambda)


class Scope:
    """Names bound to values, each remembered with the scope it must be read in."""

    __slots__ = ("parent", "names")

    def __init__(self, parent: "Scope | None", names: dict | None = None):
        self.parent = parent
        self.names: dict[str, tuple[Bound, ...]] = names if names is not None else {}

    def set(self, name: str, expr: ast.expr, scope: "Scope") -> None:
        """``name = expr``; the expression is read in the scope as it is now, not as it
        becomes (``sql = sql + " CASCADE"`` reads the previous ``sql``). A lambda's body
        reads its names when it is called, as Python does."""
        where = scope.frozen() if scope is self and not isinstance(expr, _READS_NO_NAME) else scope
        self.names[name] = (Bound(expr, None, here=True) if where is self else Bound(expr, where),)

    def set_values(self, name: str, values: Iterable[Bound]) -> None:
        # a scope never refers to itself: the parse tree it holds dies with the file, by reference counting
        self.names[name] = tuple(Bound(b.expr, None, b.text, b.yielded, True) if b.scope is self else b
                                 for b in values) or (UNKNOWN,)

    def forget(self, name: str) -> None:
        self.names[name] = (UNKNOWN,)  # shadows a module constant of the same name

    def bindings(self, name: str) -> tuple[Bound, ...] | None:
        """Every value ``name`` can hold here; None when no scope binds it."""
        scope: Scope | None = self
        while scope is not None:
            found = scope.names.get(name)
            if found is not None:
                if any(b.here for b in found):
                    return tuple(Bound(b.expr, scope, b.text, b.yielded) if b.here else b for b in found)
                return found
            scope = scope.parent
        return None

    def get(self, name: str) -> tuple[ast.expr, "Scope"] | None:
        """The expression ``name`` holds when it holds exactly one, with its scope."""
        found = self.bindings(name)
        if found is None or len(found) != 1 or found[0].expr is None:
            return None
        return found[0].expr, found[0].scope

    def frozen(self) -> "Scope":
        """This scope's bindings as they are now, for a value read later."""
        return Scope(self.parent, dict(self.names))

    def snapshot(self) -> dict[str, tuple[Bound, ...]]:
        return dict(self.names)

    def restore(self, names: dict[str, tuple[Bound, ...]]) -> None:
        self.names = dict(names)

    def merge(self, *others: dict[str, tuple[Bound, ...]]) -> None:
        """After branches: each name holds what any branch left in it."""
        for other in others:
            for name in self.names.keys() | other.keys():
                mine, theirs = self.names.get(name), other.get(name)
                if mine is theirs:
                    continue
                outer = self.parent.bindings(name) if self.parent is not None else None
                mine = mine if mine is not None else (outer or (UNKNOWN,))
                theirs = theirs if theirs is not None else (outer or (UNKNOWN,))
                self.names[name] = mine + tuple(b for b in theirs if b not in mine)


def _callee(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


class Resolver:
    """SQLAlchemy DML constructs (``sa.delete(t)``) and the tables they name."""

    def construct(self, expr: ast.expr, scope: Scope) -> tuple[Operation | None, ast.expr | None] | None:
        """A SQLAlchemy DML construct: ``sa.delete(t).where(...)``, ``t.update().values(...)``.

        Returns (the operation, without its table, or None for a harmless construct;
        the table expression), or None when ``expr`` is not such a construct.
        """
        if isinstance(expr, ast.Name):
            bound = scope.get(expr.id)
            if bound is not None and isinstance(bound[0], ast.Call):
                return self.construct(bound[0], bound[1])
            return None
        chain: list[ast.Call] = []
        keywords: list[ast.keyword] = []
        node: ast.expr = expr
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr not in ("delete", "update", "insert", "select"):
            chain.append(node)
            keywords.extend(node.keywords)
            node = node.func.value
        if not isinstance(node, ast.Call):
            return None
        root = _callee(node)
        if root not in ("delete", "update", "insert", "select"):
            return None
        if root in ("insert", "select"):
            return None, None
        method_form = isinstance(node.func, ast.Attribute)  # t.delete(), not sa.delete(t)
        table_expr = node.func.value if method_form else (node.args[0] if node.args else None)
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and \
                node.func.value.id in ("sa", "sqlalchemy", "expression", "sql"):
            table_expr = node.args[0] if node.args else None
            method_form = False
        table_expr = self._table_name(table_expr, scope)
        filters = [c for c in chain if c.func.attr in ("where", "filter", "filter_by")]
        where = sqlalchemy_ops.where_of(node, method_form, filters, scope)
        if root == "update":
            columns = tuple(k.arg for k in keywords if k.arg)
            return Operation(OpKind.UPDATE, origin=Origin.EXPRESSION, where=where, columns=columns), table_expr
        return Operation(OpKind.DELETE, origin=Origin.EXPRESSION, where=where), table_expr

    def _table_name(self, expr: ast.expr | None, scope: Scope) -> ast.expr | None:
        """``sa.table("t", ...)`` or a name bound to one -> the expression naming the table."""
        for _ in range(_DEPTH_LIMIT):
            if isinstance(expr, ast.Name):
                bound = scope.get(expr.id)
                if bound is None:
                    return expr
                expr, scope = bound
            elif isinstance(expr, ast.Call) and _callee(expr) in ("table", "Table") and expr.args:
                return expr.args[0]
            else:
                return expr
        return expr

