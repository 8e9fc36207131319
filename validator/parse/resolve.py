"""Python expressions -> the SQL text they hold, without running anything.

Follows literals, implicit and ``+`` concatenation, f-strings, ``str.format`` and ``%``
(their fields become placeholder identifiers), ``text()``/``sa.text()``, names bound
to any of those (module constants, locals, helper arguments). Anything else is
``Unresolved`` with a reason a reviewer can act on.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from validator.model import OpKind, Operation, Origin
from validator.parse import sqlalchemy_ops, strings
from validator.parse.strings import SqlText

TEXT_FACTORIES = {"text", "literal_column", "DDL"}
PASS_THROUGH = {"bindparams", "columns", "execution_options", "strip", "lstrip", "rstrip", "compile"}
DEDENT = {"dedent", "cleandoc"}
_DEPTH_LIMIT = 50


@dataclass(frozen=True)
class Unresolved:
    reason: str


class Scope:
    """Names bound to expressions, each remembered with the scope it must be resolved in."""

    def __init__(self, parent: "Scope | None"):
        self.parent = parent
        self.names: dict[str, tuple[ast.expr, "Scope"] | None] = {}

    def set(self, name: str, expr: ast.expr, scope: "Scope", left_scope: "Scope | None" = None) -> None:
        self.names[name] = (expr, scope)

    def forget(self, name: str) -> None:
        self.names[name] = None  # shadows a module constant of the same name

    def get(self, name: str) -> tuple[ast.expr, "Scope"] | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None


def _callee(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


class Resolver:
    def __init__(self, source: strings.Source):
        self.source = source
        self._start = source.start

    def text(self, expr: ast.expr | None, scope: Scope, depth: int = 0) -> SqlText | Unresolved:
        if expr is None:
            return Unresolved("no SQL argument")
        if depth > _DEPTH_LIMIT:
            return Unresolved("the SQL is built through too many names to follow")
        if isinstance(expr, (ast.Constant, ast.JoinedStr)):
            segment = self.source.segment(expr)
            if isinstance(expr, ast.Constant) and not isinstance(expr.value, str):
                return Unresolved(f"`{_short(segment)}` is not SQL text")
            line, col = self._start(expr)
            decoded = strings.literal(segment, line, col)
            if decoded is None:
                return Unresolved(f"`{_short(segment)}` is not a string literal")
            if isinstance(expr, ast.JoinedStr):
                return strings.substitute(decoded, self._fields(expr, scope, depth))
            return decoded
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left = self.text(expr.left, scope, depth + 1)
            right = self.text(expr.right, scope, depth + 1)
            if isinstance(left, Unresolved):
                return left
            if isinstance(right, Unresolved):
                return right
            return left + right
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            left = self.text(expr.left, scope, depth + 1)
            if isinstance(left, Unresolved):
                return left
            values = expr.right.elts if isinstance(expr.right, ast.Tuple) else [expr.right]
            return self._name_fields(left, strings.format_fields(left, "percent"), values, {})
        if isinstance(expr, ast.Name):
            bound = scope.get(expr.id)
            if bound is None:
                return Unresolved(f"`{expr.id}` is not a constant this file defines")
            value, where = bound
            return self.text(value, where, depth + 1)
        if isinstance(expr, ast.Call):
            return self._call_text(expr, scope, depth)
        return Unresolved(f"`{_short(self.source.segment(expr))}` is computed at run time")

    def _fields(self, expr: ast.JoinedStr, scope: Scope, depth: int) -> dict[int, SqlText]:
        """f-string fields whose value is a constant of this file: their text, by field number."""
        values: dict[int, SqlText] = {}
        fields = [v for v in expr.values if isinstance(v, ast.FormattedValue)]
        for i, field in enumerate(fields):
            if field.conversion not in (-1, None) or field.format_spec is not None:
                continue
            value, where = field.value, scope
            for _ in range(_DEPTH_LIMIT):
                if not isinstance(value, ast.Name) or where.get(value.id) is None:
                    break
                value, where = where.get(value.id)
            if isinstance(value, ast.Constant) and isinstance(value.value, (int, float)) \
                    and not isinstance(value.value, bool):
                line, col = self._start(value)
                values[i] = SqlText(str(value.value), ((0, line, col),))
                continue
            resolved = self.text(value, where, depth + 1)
            if isinstance(resolved, SqlText) and not resolved.placeholders:
                values[i] = resolved
        return values

    def _name_fields(self, base: SqlText, formatted: SqlText, args: list, keywords: dict) -> SqlText:
        """Show ``{name}`` (the argument's source) rather than the bare format field."""
        names = list(formatted.placeholders)
        position = 0
        for i in range(len(base.placeholders), len(names)):
            field = names[i]
            value = keywords.get(field) if field in keywords else None
            if value is None and (field in ("", "…", "s", "d", "r", "i", "f") or field.isdigit()):
                index = int(field) if field.isdigit() else position
                position += 0 if field.isdigit() else 1
                value = args[index] if index < len(args) else None
            if value is not None and not isinstance(value, ast.Starred):
                names[i] = _short(self.source.segment(value) or field)
        return SqlText(formatted.text, formatted.marks, tuple(names))

    def _call_text(self, call: ast.Call, scope: Scope, depth: int) -> SqlText | Unresolved:
        name = _callee(call)
        func = call.func
        if name in TEXT_FACTORIES or name in DEDENT:
            arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "text"), None)
            return self.text(arg, scope, depth + 1)
        if isinstance(func, ast.Attribute) and name in PASS_THROUGH:
            return self.text(func.value, scope, depth + 1)
        if isinstance(func, ast.Attribute) and name == "format":
            base = self.text(func.value, scope, depth + 1)
            if isinstance(base, Unresolved):
                return base
            keywords = {k.arg: k.value for k in call.keywords if k.arg}
            return self._name_fields(base, strings.format_fields(base, "format"), call.args, keywords)
        if isinstance(func, ast.Attribute) and name == "join" and len(call.args) == 1 \
                and isinstance(call.args[0], (ast.List, ast.Tuple)):
            separator = self.text(func.value, scope, depth + 1)
            if isinstance(separator, Unresolved):
                return separator
            joined: SqlText | None = None
            for item in call.args[0].elts:
                part = self.text(item, scope, depth + 1)
                if isinstance(part, Unresolved):
                    return part
                joined = part if joined is None else joined + separator + part
            return joined if joined is not None else SqlText("", ())
        return Unresolved(f"`{_short(self.source.segment(call))}` is computed at run time")

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


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:79] + "…"
