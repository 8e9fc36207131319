"""SQLAlchemy calls that change the database without ``execute``, and what a construct's where-clause does.

``session.query(Model).delete()`` with no ``.filter(...)``, ``Table.drop(bind)``,
``MetaData.drop_all(bind)``, and the schema constructs handed to ``execute``
(``DropTable(t)``, ``DropIndex(ix)``...) are the same operations as their SQL.
A where-clause given positionally (SQLAlchemy 1.x: ``t.delete(t.c.expires < now)``,
``sa.delete(t, cond)``) filters like ``.where(...)``; ``.where(sa.true())`` does not.

What a ``.drop(bind)`` drops is read from its receiver: ``sa.Table``/``sa.table`` (a
table), ``sa.Enum``/``ENUM`` (a type), ``sa.Index``, ``sa.Sequence``, ``Model.__table__``,
or a name bound to one. A receiver the file does not define is taken for a table (fail
closed), unless its name says it is an enum or a type.
"""
from __future__ import annotations

import ast
from typing import Callable, Iterator, Optional, Protocol

from ..model import OpKind, Operation, Origin, Where


class Scope(Protocol):
    """The names a revision binds (``resolve.Scope``, which reads where-clauses with this module)."""

    def get(self, name: str) -> Optional[tuple[ast.expr, "Scope"]]: ...

Value = Callable[[ast.expr], "str | None"]
METHODS = frozenset({"delete", "drop", "drop_all"})
_TABLE_FACTORIES = {"Table", "table"}
_DROP_BY_TYPE = {
    "Enum": (OpKind.DROP_OTHER, "type"), "ENUM": (OpKind.DROP_OTHER, "type"),
    "Index": (OpKind.DROP_INDEX, None), "Sequence": (OpKind.DROP_OTHER, "sequence"),
    "Table": (OpKind.DROP_TABLE, None), "table": (OpKind.DROP_TABLE, None),
}
# schema constructs executed: op.execute(DropTable(t)), connection.execute(sa.schema.DropIndex(ix))
_SCHEMA_DROPS = {
    "DropTable": (OpKind.DROP_TABLE, None), "DropIndex": (OpKind.DROP_INDEX, None),
    "DropConstraint": (OpKind.DROP_CONSTRAINT, None), "DropSchema": (OpKind.DROP_SCHEMA, None),
    "DropSequence": (OpKind.DROP_OTHER, "sequence"), "DropEnumType": (OpKind.DROP_OTHER, "type"),
}
_SCHEMA_CREATES = {"CreateTable", "CreateIndex", "CreateSchema", "CreateSequence", "AddConstraint",
                   "CreateColumn", "SetTableComment", "SetColumnComment"}
_EXECUTABLE = {"DDL", "delete", "update", "insert", "select", "text", *_SCHEMA_DROPS, *_SCHEMA_CREATES}
_TRUE_CALLS = {"true"}
_FALSE_CALLS = {"false"}
_DEPTH = 20


def callee(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def bound(expr: ast.expr | None, scope: Scope) -> tuple[ast.expr | None, Scope]:
    """Follow names to the expression they hold in the file."""
    for _ in range(_DEPTH):
        if not isinstance(expr, ast.Name):
            break
        found = scope.get(expr.id)
        if found is None:
            break
        expr, scope = found
    return expr, scope


# -- where-clauses -----------------------------------------------------------------------
def _truth(cond: ast.expr | None, scope: Scope) -> bool | None:
    """The value of a where-clause that does not depend on the row: ``sa.true()``, ``True``, ``1 == 1``."""
    cond, scope = bound(cond, scope)
    if isinstance(cond, ast.Constant):
        return bool(cond.value) if isinstance(cond.value, (bool, int)) else None
    if isinstance(cond, ast.Call):
        name = callee(cond)
        if name in _TRUE_CALLS and not cond.args:
            return True
        if name in _FALSE_CALLS and not cond.args:
            return False
        if name == "literal" and cond.args:
            return _truth(cond.args[0], scope)
        if name in ("and_", "or_") and cond.args:
            values = [_truth(a, scope) for a in cond.args]
            if name == "and_":
                return False if False in values else (True if all(v is True for v in values) else None)
            return True if True in values else (False if all(v is False for v in values) else None)
        if name in ("text", "literal_column") and cond.args:
            return _sql_truth(cond.args[0], scope)
    if isinstance(cond, ast.Compare) and len(cond.ops) == 1 and isinstance(cond.left, ast.Constant) \
            and isinstance(cond.comparators[0], ast.Constant) and isinstance(cond.ops[0], (ast.Eq, ast.NotEq)):
        same = cond.left.value == cond.comparators[0].value
        return same if isinstance(cond.ops[0], ast.Eq) else not same
    return None


def _sql_truth(arg: ast.expr, scope: Scope) -> bool | None:
    """``sa.text("1=1")`` as a where-clause: read by the SQL parser."""
    arg, scope = bound(arg, scope)
    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        return None
    from .sql import analyse

    ops = analyse(f"DELETE FROM mg_target WHERE {arg.value}").ops
    where = ops[0].operation.where if len(ops) == 1 else None
    if where in (Where.CONSTANT_TRUE, Where.ROW_INDEPENDENT):
        return True
    return None


def where_of(root: ast.Call, method_form: bool, filters: list[ast.Call], scope: Scope) -> Where:
    """The where-clause of ``sa.delete(t)``/``t.update()`` built by ``root`` and the ``filters``
    (``.where(...)``, ``.filter(...)``, ``.filter_by(...)``) called on it."""
    conditions: list[ast.expr] = []
    positional = root.args[0 if method_form else 1:]
    conditions.extend(a for a in positional[:1] if not isinstance(a, ast.Starred))
    conditions.extend(k.value for k in root.keywords if k.arg == "whereclause")
    unknown = False
    for call in filters:
        if callee(call) == "filter_by":
            unknown = unknown or bool(call.keywords)
            continue
        conditions.extend(call.args)
        unknown = unknown or any(isinstance(a, ast.Starred) for a in call.args)
    if unknown:
        return Where.FILTER
    if not conditions:
        return Where.NONE
    values = [_truth(c, scope) for c in conditions]
    return Where.CONSTANT_TRUE if all(v is True for v in values) else Where.FILTER


# -- what a call drops or deletes ---------------------------------------------------------
class SqlAlchemyCalls:
    """Operations of SQLAlchemy calls in a revision; knows the models its classes declare."""

    def __init__(self, tree: ast.Module):
        self._tree = tree
        self._tablenames: dict[str, str] | None = None

    def tablename(self, model: str) -> str:
        if self._tablenames is None:
            self._tablenames = {}
            for node in self._tree.body:
                if isinstance(node, ast.ClassDef):
                    for item in node.body:
                        if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__tablename__"
                                                                 for t in item.targets) \
                                and isinstance(item.value, ast.Constant) and isinstance(item.value.value, str):
                            self._tablenames[node.name] = item.value.value
        return self._tablenames.get(model, model)

    def table(self, expr: ast.expr | None, scope: Scope, value: Value) -> str | None:
        """The name of the table an expression stands for."""
        expr, scope = bound(expr, scope)
        if isinstance(expr, ast.Call) and callee(expr) in _TABLE_FACTORIES and expr.args:
            return value(expr.args[0])
        if isinstance(expr, ast.Attribute) and expr.attr == "__table__" and isinstance(expr.value, ast.Name):
            return self.tablename(expr.value.id)
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Attribute) and expr.value.attr == "tables":
            return value(expr.slice)  # metadata.tables["orders"]
        if isinstance(expr, ast.Name):
            return self.tablename(expr.id)
        return value(expr) if expr is not None else None

    def operations(self, call: ast.Call, scope: Scope, value: Value) -> Iterator[Operation]:
        """What a ``.delete()``, ``.drop(bind)`` or ``.drop_all(bind)`` call does; nothing for other calls."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        method = func.attr
        if method == "delete":
            yield from self._query_delete(func.value, scope, value)
        elif method == "drop" and _has_bind(call):
            yield self._drop(func.value, scope, value)
        elif method == "drop_all" and (_has_bind(call) or any(k.arg == "tables" for k in call.keywords)):
            tables = next((k.value for k in call.keywords if k.arg == "tables"), None)
            tables, tables_scope = bound(tables, scope)
            if isinstance(tables, (ast.List, ast.Tuple)) and tables.elts:
                for item in tables.elts:
                    yield Operation(OpKind.DROP_TABLE, self.table(item, tables_scope, value), origin=Origin.EXPRESSION)
            else:
                owner = value(func.value) or "?"
                yield Operation(OpKind.DROP_TABLE, f"{{every table of {owner.strip('{}')}}}",
                                origin=Origin.EXPRESSION)

    def _query_delete(self, receiver: ast.expr, scope: Scope, value: Value) -> Iterator[Operation]:
        """``session.query(Model)[.filter(...)...].delete()`` and ``Model.query....delete()``."""
        filters: list[ast.Call] = []
        node = receiver
        for _ in range(_DEPTH):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr == "query":
                    model = node.args[0] if node.args else None
                    break
                if node.func.attr in ("filter", "filter_by", "where"):
                    filters.append(node)
                node = node.func.value
            elif isinstance(node, ast.Attribute) and node.attr == "query":
                model = node.value  # Flask-SQLAlchemy's Model.query
                break
            else:
                return
        else:
            return
        fake_root = ast.Call(func=ast.Name(id="delete"), args=[], keywords=[])
        yield Operation(OpKind.DELETE, self.table(model, scope, value), origin=Origin.EXPRESSION,
                        where=where_of(fake_root, True, filters, scope))

    def _drop(self, receiver: ast.expr, scope: Scope, value: Value) -> Operation:
        target, target_scope = bound(receiver, scope)
        if isinstance(target, ast.Call) and callee(target) in _DROP_BY_TYPE:
            kind, object_type = _DROP_BY_TYPE[callee(target)]
            name = _construct_name(target, target_scope, value)
            if kind is OpKind.DROP_TABLE:
                return Operation(kind, name, origin=Origin.EXPRESSION)
            return Operation(kind, target=name, object_type=object_type, origin=Origin.EXPRESSION)
        shown = value(receiver) or "?"
        if shown.strip("{}").lower().endswith(("enum", "type")):
            return Operation(OpKind.DROP_OTHER, target=shown, object_type="type", origin=Origin.EXPRESSION)
        return Operation(OpKind.DROP_TABLE, self.table(receiver, scope, value), origin=Origin.EXPRESSION)

    def executable(self, receiver: ast.expr, scope: Scope) -> bool:
        """A construct that runs itself: ``DDL("...").execute(bind)``, ``t.delete().execute()`` (SQLAlchemy 1.x)."""
        node, _ = bound(receiver, scope)
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr not in _EXECUTABLE:
            node = node.func.value
        return isinstance(node, ast.Call) and callee(node) in _EXECUTABLE

    def schema_construct(self, expr: ast.expr, scope: Scope, value: Value) -> Operation | None | bool:
        """``DropTable(t)`` and the other schema constructs: the operation; None for a create; False
        when ``expr`` is no schema construct."""
        call, scope = bound(expr, scope)
        if not isinstance(call, ast.Call):
            return False
        name = callee(call)
        if name in _SCHEMA_CREATES:
            return None
        if name not in _SCHEMA_DROPS or not call.args:
            return False
        kind, object_type = _SCHEMA_DROPS[name]
        element, element_scope = bound(call.args[0], scope)
        facts = {"origin": Origin.EXPRESSION, "if_exists": any(k.arg == "if_exists" for k in call.keywords)}
        if kind is OpKind.DROP_TABLE:
            return Operation(kind, self.table(call.args[0], scope, value), **facts)
        if kind is OpKind.DROP_SCHEMA:
            return Operation(kind, target=value(call.args[0]), **facts)
        target = _construct_name(element, element_scope, value) if isinstance(element, ast.Call) \
            else value(call.args[0])
        return Operation(kind, target=target, object_type=object_type, **facts)


def _construct_name(call: ast.Call, scope: Scope, value: Value) -> str | None:
    """The name an ``sa.Table("t")``/``sa.Enum(..., name="e")``/``sa.Index("ix", ...)`` is given."""
    keyword = next((k.value for k in call.keywords if k.arg == "name"), None)
    if keyword is not None:
        return value(keyword)
    if callee(call) in ("Enum", "ENUM"):
        return None  # its positional arguments are the labels
    return value(call.args[0]) if call.args else None


def _has_bind(call: ast.Call) -> bool:
    """``x.drop(bind)`` / ``x.drop(bind=...)``: a database object dropped, not ``df.drop(columns=...)``."""
    if any(k.arg not in ("bind", "checkfirst") for k in call.keywords if k.arg):
        return False
    return bool(call.args) or any(k.arg == "bind" for k in call.keywords)
