"""Which branches of a revision run on the configured database (``dialect``, default ``postgresql``).

Multi-database projects guard code with the database's name: ``if bind.dialect.name ==
"mysql":``. Code under a test that excludes the configured dialect is not that database's
code and is not analysed; code after ``if <another database>: ... return`` is not either
when the test picks the configured one. A test is read from:

- ``<x>.dialect.name``, ``<x>.engine.name``, ``<x>.url.get_backend_name()``: the dialect's
  name itself (``op.get_bind().dialect.name``, ``op.get_context().dialect.name``);
- ``<x>.url.drivername`` and ``str(<x>.url)``: they start with the name, maybe followed by
  ``+driver`` (``postgresql+psycopg2``), so only prefixes of it decide;

compared with ``==``, ``!=``, ``in``/``not in`` a literal tuple, list or set, ``.startswith``
(a string or a tuple), a substring test on the URL (``"mysql" in str(bind.url)``), combined
with ``and``/``or``/``not``, directly or through names bound to any of these
(``dialect = bind.dialect.name``; ``is_mysql = dialect == "mysql"``). Any other test, or
one whose answer depends on the driver, is undecided: both branches are analysed.
"""
from __future__ import annotations

import ast
from typing import Callable, Optional

from ..model import DIALECTS

_NAME, _PREFIXED = "name", "prefixed"  # the dialect's name exactly; the name maybe followed by "+driver..."
_DEPTH = 10

Lookup = Callable[[str, object], Optional[tuple]]  # (name, scope) -> (expression, its scope) or None


def _bound(name: str, scope) -> tuple | None:
    return scope.get(name)


class DialectTests:
    def __init__(self, dialect: str = "postgresql"):
        self.dialect = dialect

    def decide(self, test: ast.expr, scope: object, lookup: Lookup = _bound, depth: int = 0) -> bool | None:
        """True or False when the test's value on the configured dialect is certain; else None."""
        if depth > _DEPTH:
            return None
        if isinstance(test, ast.Name):
            found = lookup(test.id, scope)
            return None if found is None else self.decide(found[0], found[1], lookup, depth + 1)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            value = self.decide(test.operand, scope, lookup, depth + 1)
            return None if value is None else not value
        if isinstance(test, ast.BoolOp):
            values = [self.decide(v, scope, lookup, depth + 1) for v in test.values]
            if isinstance(test.op, ast.And):
                return False if False in values else (True if all(v is True for v in values) else None)
            return True if True in values else (False if all(v is False for v in values) else None)
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            return self._compare(test.left, test.ops[0], test.comparators[0], scope, lookup, depth)
        if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "startswith" \
                and len(test.args) == 1:
            subject = self._subject(test.func.value, scope, lookup, depth)
            prefixes = _strings(test.args[0])
            if subject is None or prefixes is None:
                return None
            return _any(self._starts(subject, p) for p in prefixes)
        return None

    def _compare(self, left: ast.expr, op: ast.cmpop, right: ast.expr, scope: object, lookup: Lookup,
                 depth: int) -> bool | None:
        if isinstance(op, (ast.Eq, ast.NotEq)):
            subject, other = self._subject(left, scope, lookup, depth), right
            if subject is None:
                subject, other = self._subject(right, scope, lookup, depth), left
            value = _strings(other)
            if subject is None or value is None or len(value) != 1 or isinstance(other, (ast.Tuple, ast.List)):
                return None
            equal = self._equals(subject, value[0])
            return None if equal is None else (equal if isinstance(op, ast.Eq) else not equal)
        if isinstance(op, (ast.In, ast.NotIn)):
            subject = self._subject(left, scope, lookup, depth)
            if subject is not None:  # dialect in ("mysql", "mariadb")
                options = _strings(right) if isinstance(right, (ast.Tuple, ast.List, ast.Set)) else None
                found = None if options is None else _any(self._equals(subject, o) for o in options)
            else:  # "mysql" in str(bind.url)
                subject = self._subject(right, scope, lookup, depth)
                needle = _strings(left)
                found = None if subject != _PREFIXED or not needle or len(needle) != 1 \
                    else self._contains(needle[0])
            return None if found is None else (found if isinstance(op, ast.In) else not found)
        return None

    def _subject(self, expr: ast.expr, scope: object, lookup: Lookup, depth: int) -> str | None:
        """``_NAME`` or ``_PREFIXED`` when ``expr`` is the database's name or a text that starts with it."""
        for _ in range(_DEPTH - depth):
            if isinstance(expr, ast.Name):
                found = lookup(expr.id, scope)
                if found is None:
                    return None
                expr, scope = found
            elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) \
                    and expr.func.attr in ("lower", "strip") and not expr.args:
                expr = expr.func.value
            else:
                break
        if isinstance(expr, ast.Attribute):
            owner = expr.value
            if expr.attr == "name" and isinstance(owner, ast.Attribute) and owner.attr in ("dialect", "engine"):
                return _NAME
            if expr.attr == "drivername" and isinstance(owner, ast.Attribute) and owner.attr == "url":
                return _PREFIXED
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Name) and func.id == "str" and len(expr.args) == 1 \
                    and isinstance(expr.args[0], ast.Attribute) and expr.args[0].attr == "url":
                return _PREFIXED
            if isinstance(func, ast.Attribute) and func.attr == "get_backend_name":
                return _NAME
        return None

    def _equals(self, subject: str, value: str) -> bool | None:
        if subject == _NAME:
            return value == self.dialect
        # a driver name or URL equal to the bare name, or to another driver of it, may or may not be it
        return None if value == self.dialect or value.startswith(self.dialect + "+") else False

    def _starts(self, subject: str, prefix: str) -> bool | None:
        if self.dialect.startswith(prefix):
            return True
        if subject == _PREFIXED and prefix.startswith(self.dialect):
            return None  # "postgresql+asyncpg": depends on the driver
        return False

    def _contains(self, needle: str) -> bool | None:
        if needle in self.dialect:
            return True
        return False if any(needle.startswith(d) for d in DIALECTS if d != self.dialect) else None


def always_leaves(body: list[ast.stmt]) -> bool:
    """True when a block always ends in ``return`` or ``raise``: what follows its ``if`` runs only otherwise."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    return isinstance(last, ast.If) and always_leaves(last.body) and always_leaves(last.orelse)


def _strings(expr: ast.expr) -> tuple[str, ...] | None:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return (expr.value,)
    if isinstance(expr, (ast.Tuple, ast.List, ast.Set)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in expr.elts):
        return tuple(e.value for e in expr.elts)
    return None


def _any(values) -> bool | None:
    values = list(values)
    return True if True in values else (None if None in values else False)
