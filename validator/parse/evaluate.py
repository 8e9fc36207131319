"""Python expressions -> every SQL text they can hold, without running anything.

Partial evaluation: what the file states is computed (literals, constants, constant
lists and dicts and lookups in them, ``+``, f-strings, ``format``, ``%``, ``join``,
``replace``, ``split``, ``strip``, ``dedent``, ``text()``, the return values of the
file's own functions), and what it does not becomes a placeholder identifier that
remembers the source it stands for. ``DROP TABLE {name}`` is still a ``DROP TABLE``.

A name or call can have several values (a name assigned in both branches of an
``if``, a dict looked up with an unknown key): each is returned and each is checked.
Where the evaluator stops (too many values, too many steps, a function that calls
itself) it says so in ``stops``; the values found so far are kept.
"""
from __future__ import annotations

import ast
import itertools
import re
from typing import Callable, Iterable

from . import strings
from .resolve import Bound, Scope
from .strings import PLACEHOLDER, PLACEHOLDER_RE, SqlText

TEXT_FACTORIES = {"text", "literal_column", "DDL", "str", "dedent", "cleandoc"}
SAME_TEXT = {"bindparams", "columns", "execution_options", "strip", "lstrip", "rstrip", "compile", "upper",
             "lower", "expandtabs"}
SEQUENCE_CALLS = {"list", "tuple", "sorted", "reversed", "set", "frozenset"}
VALUE_LIMIT = 32  # values of one expression
STEP_LIMIT = 20_000  # expressions visited for one top-level value
DEPTH_LIMIT = 200  # nested names, calls and containers
ITEM_LIMIT = 256  # items of one list, dict or split
_SHORT = 80

# A function's return values, given the call and the scope the call is read in; None
# when the callee is not a function of this file, a reason when it cannot be followed.
Returns = Callable[[ast.Call, Scope], "list[Bound] | str | None"]


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def placeholder(source: str, line: int, col: int) -> SqlText:
    return SqlText(PLACEHOLDER.format(0), ((0, line, col),), (source,))


def skeleton(text: SqlText) -> bool:
    """True when ``text`` holds literal SQL beyond placeholders and punctuation."""
    rest = PLACEHOLDER_RE.sub("", text.text)
    return any(c.isalpha() for c in rest)


def unknown_parts(text: SqlText) -> str:
    return ", ".join(f"`{short(p)}`" for p in dict.fromkeys(text.placeholders)) or "`…`"


def cut(text: SqlText, start: int, end: int) -> SqlText:
    """``text[start:end]`` with its positions; placeholder numbers keep their meaning."""
    line, col = text.position(start)
    marks = ((0, line, col),) + tuple((o - start, l, c) for o, l, c in text.marks if start < o < end)
    return SqlText(text.text[start:end], marks, text.placeholders)


def _pieces(text: SqlText, separator: str, limit: int) -> list[SqlText]:
    if not separator:
        return [text]
    pieces, start = [], 0
    while len(pieces) < limit:
        found = text.text.find(separator, start)
        if found < 0:
            break
        pieces.append(cut(text, start, found))
        start = found + len(separator)
    pieces.append(cut(text, start, len(text.text)))
    return pieces


# a placeholder glued to a word, or standing where a statement starts before more words
_GLUED = re.compile(r"(?P<lead>(?:\A|;)\s*)?mg_param_\d+(?=(?(lead)\s*|)[A-Za-z])")


def separate(text: SqlText) -> SqlText:
    """Keep an unknown part from hiding the words next to it: ``{prefix}DROP TABLE t`` and
    ``{comment} TRUNCATE t`` read as the unknown part, then the statement after it."""
    if "mg_param_" not in text.text or not _GLUED.search(text.text):
        return text
    pieces, start = [], 0
    for m in _GLUED.finditer(text.text):
        pieces.append(cut(text, start, m.end()))
        line, col = text.position(m.end())
        pieces.append(SqlText(";" if m.group("lead") is not None else " ", ((0, line, col),)))
        start = m.end()
    pieces.append(cut(text, start, len(text.text)))
    marks, size = [], 0
    for piece in pieces:
        marks.extend((o + size, l, c) for o, l, c in piece.marks)
        size += len(piece.text)
    return SqlText("".join(p.text for p in pieces), tuple(marks), text.placeholders)


def _concat(parts: list[SqlText]) -> SqlText:
    out = parts[0]
    for part in parts[1:]:
        out = out + part
    return out


def _plain(values: list[SqlText]) -> list[str] | None:
    """Literal texts without placeholders, or None if any value has one."""
    if any(v.placeholders and PLACEHOLDER_RE.search(v.text) for v in values):
        return None
    return [v.text for v in values]


class Evaluator:
    """One top-level evaluation: its budget and the places where it stopped."""

    def __init__(self, source: strings.Source, returns: Returns | None = None):
        self.source = source
        self.returns = returns
        self.steps = 0
        self.stops: list[str] = []
        self._calling: list[int] = []

    # -- entry points ------------------------------------------------------------------
    def values(self, expr: ast.expr, scope: Scope, depth: int = 0) -> list[SqlText]:
        """Every text ``expr`` can hold (at most ``VALUE_LIMIT``), unknown parts as placeholders."""
        self.steps += 1
        if self.steps > STEP_LIMIT:
            return [self._stop(expr, f"the SQL is built in more than {STEP_LIMIT} steps; the linter stopped there")]
        if depth > DEPTH_LIMIT:
            return [self._stop(expr, f"the SQL is built through more than {DEPTH_LIMIT} nested names or calls")]
        kind = type(expr)
        if kind is ast.Constant:
            return [self._constant(expr)]
        if kind is ast.JoinedStr:
            return self._fstring(expr, scope, depth)
        if kind is ast.BinOp and type(expr.op) is ast.Add:
            return self._sum(expr, scope, depth)
        if kind is ast.BinOp and type(expr.op) is ast.Mod:
            return self._percent(expr, scope, depth)
        if kind is ast.Name:
            return self._name(expr, scope, depth)
        if kind is ast.Call:
            return self._call(expr, scope, depth)
        if kind is ast.IfExp:
            decided = self.decide(expr.test, scope)
            if decided is not None:
                return self.values(expr.body if decided else expr.orelse, scope, depth + 1)
            return self._limit(self.values(expr.body, scope, depth + 1) +
                               self.values(expr.orelse, scope, depth + 1), expr)
        if kind is ast.BoolOp and type(expr.op) is ast.Or:
            return self._limit([t for v in expr.values for t in self.values(v, scope, depth + 1)], expr)
        if kind is ast.Subscript:
            found = self._lookup(expr.value, [expr.slice], scope, depth)
            if found is not None:
                return found
        if kind is ast.Attribute and type(expr.value) is ast.Name and scope.bindings(f"{expr.value.id}.{expr.attr}"):
            return self._name(ast.Name(id=f"{expr.value.id}.{expr.attr}"), scope, depth, expr)  # a class constant
        return [self._unknown(expr)]

    def items(self, expr: ast.expr, scope: Scope, depth: int = 0) -> list[Bound] | None:
        """The items a loop over ``expr`` sees, or None when the linter cannot list them."""
        if depth > DEPTH_LIMIT:
            return None
        kind = type(expr)
        if kind in (ast.List, ast.Tuple, ast.Set):
            if any(type(e) is ast.Starred for e in expr.elts) or len(expr.elts) > ITEM_LIMIT:
                return None
            return [Bound(e, scope) for e in expr.elts]
        if kind is ast.Dict:
            return [Bound(k, scope) for k in expr.keys if k is not None] if None not in expr.keys else None
        if kind is ast.Name:
            return _through_bindings(expr, scope, depth, self.items)
        if kind is ast.Call:
            return self._call_items(expr, scope, depth)
        if kind in (ast.GeneratorExp, ast.ListComp, ast.SetComp):
            return self._comprehension(expr, scope, depth)
        return None

    def decide(self, test: ast.expr, scope: Scope, depth: int = 0) -> bool | None:
        """The truth of a condition the file's constants settle (``full is True`` where ``full``
        was passed ``True``, ``kind == "up"``); None when it depends on anything else."""
        kind = type(test)
        if depth > DEPTH_LIMIT:
            return None
        if kind is ast.UnaryOp and type(test.op) is ast.Not:
            inner = self.decide(test.operand, scope, depth + 1)
            return None if inner is None else not inner
        if kind is ast.BoolOp:
            found = [self.decide(v, scope, depth + 1) for v in test.values]
            if type(test.op) is ast.And:
                return False if False in found else (True if all(f is True for f in found) else None)
            return True if True in found else (False if all(f is False for f in found) else None)
        if kind is ast.Compare and len(test.ops) == 1:
            left = self.constants(test.left, scope, depth + 1)
            right = self.constants(test.comparators[0], scope, depth + 1)
            if left is None or right is None:
                return None
            outcomes = {_compare(test.ops[0], a, b) for a in left for b in right}
            return outcomes.pop() if len(outcomes) == 1 and None not in outcomes else None
        values = self.constants(test, scope, depth + 1)
        truths = {bool(v) for v in values} if values is not None else set()
        return truths.pop() if len(truths) == 1 else None

    def constants(self, expr: ast.expr, scope: Scope, depth: int = 0) -> list[object] | None:
        """Every Python literal ``expr`` can be, or None if it can be anything else."""
        kind = type(expr)
        if depth > DEPTH_LIMIT:
            return None
        if kind is ast.Constant:
            return [expr.value]
        if kind is ast.Name:
            found = scope.bindings(expr.id)
            if not found:
                return None
            values: list[object] = []
            for bound in found:
                if bound.text is not None and not PLACEHOLDER_RE.search(bound.text.text):
                    values.append(bound.text.text)
                    continue
                more = self.constants(bound.expr, bound.scope, depth + 1) if bound.expr is not None else None
                if more is None:
                    return None
                values.extend(more)
            return values
        if kind in (ast.Tuple, ast.List, ast.Set) and len(expr.elts) <= ITEM_LIMIT:
            elements = [self.constants(e, scope, depth + 1) for e in expr.elts]
            if any(e is None or len(e) != 1 for e in elements):
                return None
            return [tuple(e[0] for e in elements)]
        return None

    # -- leaves ------------------------------------------------------------------------
    def _constant(self, expr: ast.Constant) -> SqlText:
        line, col = self.source.start(expr)
        if isinstance(expr.value, str):
            decoded = strings.literal(self.source.segment(expr), line, col)
            return decoded if decoded is not None else SqlText(expr.value, ((0, line, col),))
        if isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool):
            return SqlText(str(expr.value), ((0, line, col),))
        return self._unknown(expr)

    def _unknown(self, expr: ast.expr, source: str | None = None) -> SqlText:
        line, col = self.source.start(expr)
        return placeholder(source or short(self.source.segment(expr)) or "…", line, col)

    def _stop(self, expr: ast.expr, reason: str) -> SqlText:
        if reason not in self.stops:
            self.stops.append(reason)
        return self._unknown(expr)

    def _limit(self, values: Iterable[SqlText], expr: ast.expr) -> list[SqlText]:
        unique = list(dict.fromkeys(values))
        if len(unique) > VALUE_LIMIT:
            self._stop(expr, f"`{short(self.source.segment(expr))}` can hold more than {VALUE_LIMIT} texts; "
                             f"the first {VALUE_LIMIT} were checked")
            unique = unique[:VALUE_LIMIT]
        return unique

    def _product(self, groups: list[list[SqlText]], expr: ast.expr) -> list[tuple[SqlText, ...]]:
        size = 1
        for group in groups:
            size *= max(len(group), 1)
        if size > VALUE_LIMIT:
            self._stop(expr, f"`{short(self.source.segment(expr))}` can hold more than {VALUE_LIMIT} texts; "
                             f"the first {VALUE_LIMIT} were checked")
        return list(itertools.islice(itertools.product(*groups), VALUE_LIMIT))

    # -- names -------------------------------------------------------------------------
    def _name(self, expr: ast.Name, scope: Scope, depth: int, where: ast.expr | None = None) -> list[SqlText]:
        where = where or expr  # the source a placeholder shows
        found = scope.bindings(expr.id)
        if not found:
            return [self._unknown(where)]
        groups = [self._bound(b, where, depth) for b in found]
        return self._limit((v for g in groups for v in g), where)

    def _bound(self, bound: Bound, where: ast.expr, depth: int) -> list[SqlText]:
        if bound.text is not None:
            return [bound.text]
        if bound.expr is None:
            return [self._unknown(where)]
        return self.values(bound.expr, bound.scope, depth + 1)

    # -- operators ---------------------------------------------------------------------
    def _sum(self, expr: ast.BinOp, scope: Scope, depth: int) -> list[SqlText]:
        # a chain ``a + b + c + ...`` nests to the left: flattened without recursion, any length
        operands: list[ast.expr] = []
        node: ast.expr = expr
        while type(node) is ast.BinOp and type(node.op) is ast.Add:
            operands.append(node.right)
            node = node.left
        operands.append(node)
        operands.reverse()
        results = self.values(operands[0], scope, depth + 1)
        for operand in operands[1:]:
            right = self.values(operand, scope, depth + 1)
            results = [a + b for a, b in self._product([results, right], expr)]
        return results

    def _percent(self, expr: ast.BinOp, scope: Scope, depth: int) -> list[SqlText]:
        right = expr.right
        if type(right) is ast.Dict:
            named = {k.value: v for k, v in zip(right.keys, right.values)
                     if type(k) is ast.Constant and isinstance(k.value, str)}
            return self._formatted(expr, self.values(expr.left, scope, depth + 1), "percent", [], named, scope, depth)
        args = right.elts if type(right) is ast.Tuple else [right]
        return self._formatted(expr, self.values(expr.left, scope, depth + 1), "percent", args, {}, scope, depth)

    def _formatted(self, expr: ast.expr, bases: list[SqlText], style: str, args: list[ast.expr],
                   keywords: dict[str, ast.expr], scope: Scope, depth: int) -> list[SqlText]:
        """``template.format(...)`` / ``template % (...)``: each field takes its argument's values."""
        results: list[SqlText] = []
        for base in bases:
            formatted = strings.format_fields(base, style)
            first = len(base.placeholders)
            fields, position = [], 0
            for i in range(first, len(formatted.placeholders)):
                name = formatted.placeholders[i]
                value = keywords.get(name)
                if value is None and (name in ("", "…", "s", "d", "r", "i", "f") or name.isdigit()):
                    index = int(name) if name.isdigit() else position
                    position += 0 if name.isdigit() else 1
                    value = args[index] if index < len(args) else None
                fields.append((i, value))
            results.extend(self._fill(expr, formatted, fields, scope, depth))
        return self._limit(results, expr)

    def _fill(self, expr: ast.expr, text: SqlText, fields: list[tuple[int, ast.expr | None]], scope: Scope,
              depth: int) -> list[SqlText]:
        """Put the values of ``fields`` (placeholder number, argument) into ``text``."""
        names = list(text.placeholders)
        choices: list[list[SqlText | None]] = []
        for i, value in fields:
            if value is None or type(value) is ast.Starred:
                choices.append([None])
                continue
            names[i] = short(self.source.segment(value)) or names[i]
            found = self.values(value, scope, depth + 1)
            # a field whose value is wholly unknown keeps its own name: ``{table}``, not a deeper one
            choices.append([v if skeleton(v) or not v.placeholders else None for v in found])
        named = SqlText(text.text, text.marks, tuple(names))
        results = []
        for combination in self._product([list(dict.fromkeys(c)) for c in choices], expr):
            chosen = {i: v for (i, _), v in zip(fields, combination) if v is not None}
            results.append(strings.substitute(named, chosen))
        return results

    def _fstring(self, expr: ast.JoinedStr, scope: Scope, depth: int) -> list[SqlText]:
        line, col = self.source.start(expr)
        decoded = strings.literal(self.source.segment(expr), line, col)
        if decoded is None:
            return [self._unknown(expr)]
        fields = []
        for i, value in enumerate(v for v in expr.values if type(v) is ast.FormattedValue):
            plain = value.conversion in (-1, None) and value.format_spec is None
            fields.append((i, value.value if plain else None))
        return self._limit(self._fill(expr, decoded, fields, scope, depth), expr)

    # -- calls -------------------------------------------------------------------------
    def _call(self, call: ast.Call, scope: Scope, depth: int) -> list[SqlText]:
        func = call.func
        name = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
        if name in TEXT_FACTORIES and (call.args or call.keywords):
            arg = call.args[0] if call.args else call.keywords[0].value
            return self.values(arg, scope, depth + 1)
        if type(func) is ast.Attribute:
            method = self._method(call, func, scope, depth)
            if method is not None:
                return method
        if self.returns is not None:
            if id(call) in self._calling:
                return [self._stop(call, f"`{short(self.source.segment(call))}` calls itself; "
                                         f"the linter does not follow the recursion")]
            self._calling.append(id(call))
            try:
                returned = self.returns(call, scope)
                if isinstance(returned, str):
                    return [self._stop(call, returned)]
                if returned is not None:
                    # still inside the call: a return value that calls it again is recursion
                    values = [v for b in returned for v in self._bound(b, call, depth)]
                    return self._limit(values, call) if values else [self._unknown(call)]
            finally:
                self._calling.pop()
        return [self._unknown(call)]

    def _method(self, call: ast.Call, func: ast.Attribute, scope: Scope, depth: int) -> list[SqlText] | None:
        name, args = func.attr, call.args
        if name in SAME_TEXT:
            return self.values(func.value, scope, depth + 1)
        if name == "format":
            keywords = {k.arg: k.value for k in call.keywords if k.arg}
            return self._formatted(call, self.values(func.value, scope, depth + 1), "format", list(args), keywords,
                                   scope, depth)
        if name == "join" and len(args) == 1:
            return self._join(call, func.value, args[0], scope, depth)
        if name == "replace" and len(args) >= 2:
            old = _plain(self.values(args[0], scope, depth + 1))
            new = self.values(args[1], scope, depth + 1)
            if old is None:
                return None
            results = []
            for base in self.values(func.value, scope, depth + 1):
                for before in old:
                    for after in new:
                        results.append(_concat(_between(_pieces(base, before, ITEM_LIMIT), after)))
            return self._limit(results, call)
        if name == "get" and args:
            return self._lookup(func.value, args, scope, depth)
        return None

    def _join(self, call: ast.Call, separator: ast.expr, iterable: ast.expr, scope: Scope,
              depth: int) -> list[SqlText]:
        items = self.items(iterable, scope, depth + 1)
        if items is None:
            return [self._unknown(iterable)]
        separators = self.values(separator, scope, depth + 1)
        groups = [self._bound(b, iterable, depth) for b in items]
        if not groups:
            return [SqlText("", ())]
        results = []
        for sep in separators:
            for combination in self._product(groups, call):
                results.append(_concat(_between(list(combination), sep)))
        return self._limit(results, call)

    def _call_items(self, call: ast.Call, scope: Scope, depth: int) -> list[Bound] | None:
        func = call.func
        if type(func) is ast.Name and func.id in SEQUENCE_CALLS and len(call.args) == 1:
            return self.items(call.args[0], scope, depth + 1)
        if type(func) is not ast.Attribute:
            return self._returned_items(call, scope, depth)
        if func.attr in ("values", "keys", "items", "split"):
            return self._method_items(call, func, scope, depth)
        return self._returned_items(call, scope, depth)

    def _returned_items(self, call: ast.Call, scope: Scope, depth: int) -> list[Bound] | None:
        """Items of what a function of the file returns (a list) or yields (a generator)."""
        if self.returns is None or id(call) in self._calling:
            return None
        self._calling.append(id(call))
        try:
            returned = self.returns(call, scope)
            if not isinstance(returned, list) or not returned:
                return None
            items: list[Bound] = []
            for bound in returned:
                more = [bound] if bound.yielded else \
                    self.items(bound.expr, bound.scope, depth + 1) if bound.expr is not None else None
                if more is None:
                    return None
                items.extend(more)
            return items
        finally:
            self._calling.pop()

    def _method_items(self, call: ast.Call, func: ast.Attribute, scope: Scope, depth: int) -> list[Bound] | None:
        if func.attr == "split":
            separators = _plain(self.values(call.args[0], scope, depth + 1)) if call.args else [None]
            if separators is None:
                return None
            pieces = []
            for base in self.values(func.value, scope, depth + 1):
                for sep in separators:
                    if sep is None:
                        found = [cut(base, m.start(), m.end()) for m in re.finditer(r"\S+", base.text)]
                    else:
                        found = _pieces(base, sep, ITEM_LIMIT)
                    pieces.extend(Bound(None, None, p) for p in found)
            return pieces
        if func.attr in ("values", "keys", "items") and not call.args:
            dicts = self._containers(func.value, scope, depth)
            if dicts is None or any(type(d) is not ast.Dict or None in d.keys for d, _ in dicts):
                return None
            result = []
            for node, where in dicts:
                for k, v in zip(node.keys, node.values):
                    if func.attr == "items":
                        result.append(Bound(ast.Tuple(elts=[k, v], ctx=ast.Load()), where))
                    else:
                        result.append(Bound(v if func.attr == "values" else k, where))
            return result
        return None

    def _comprehension(self, expr: ast.expr, scope: Scope, depth: int) -> list[Bound] | None:
        """``(f"DROP TABLE {t}" for t in TABLES)``: one value per item (an ``if`` keeps them all)."""
        if len(expr.generators) != 1 or type(expr.generators[0].target) is not ast.Name:
            return None
        generator = expr.generators[0]
        items = self.items(generator.iter, scope, depth + 1)
        if items is None:
            return None
        result = []
        for item in items:
            inner = Scope(scope)
            inner.set_values(generator.target.id, [item])
            result.extend(Bound(None, None, v) for v in self.values(expr.elt, inner, depth + 1))
        return result

    # -- containers --------------------------------------------------------------------
    def _containers(self, expr: ast.expr, scope: Scope, depth: int) -> list[tuple[ast.expr, Scope]] | None:
        """The literal lists, tuples and dicts a name or expression can be."""
        kind = type(expr)
        if kind in (ast.List, ast.Tuple, ast.Dict, ast.Set):
            return [(expr, scope)]
        if kind is ast.Name and depth <= DEPTH_LIMIT:
            return _through_bindings(expr, scope, depth, self._containers)
        return None

    def _lookup(self, container: ast.expr, keys: list[ast.expr], scope: Scope, depth: int) -> list[SqlText] | None:
        """``SQL[key]`` / ``SQL.get(key, default)``: the entry, or every entry when the key is unknown."""
        found = self._containers(container, scope, depth + 1)
        if found is None or type(keys[0]) is ast.Slice:
            return None
        wanted = _plain(self.values(keys[0], scope, depth + 1))
        known = wanted is not None and len(wanted) == 1
        default = [(keys[1], scope)] if len(keys) > 1 else []
        picked: list[tuple[ast.expr, Scope]] = []
        for node, where in found:
            if type(node) is ast.Dict:
                entries = [(k, v) for k, v in zip(node.keys, node.values) if k is not None]
                chosen = [(v, where) for k, v in entries
                          if known and _plain(self.values(k, where, depth + 1)) == wanted]
                if chosen:
                    picked += chosen
                elif known and default:
                    picked += default  # ``.get`` of a key the dict lacks
                else:
                    picked += [(v, where) for _, v in entries] + default
            else:
                elements = [(e, where) for e in node.elts if type(e) is not ast.Starred]
                index = int(wanted[0]) if known and wanted[0].lstrip("-").isdigit() else None
                in_range = index is not None and -len(node.elts) <= index < len(node.elts)
                picked += [(node.elts[index], where)] if in_range else elements
        results = [v for value, where in picked for v in self.values(value, where, depth + 1)]
        return self._limit(results, container) if results else None


_COMPARE = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
    ast.Is: lambda a, b: a is b if a is None or b is None or isinstance(a, bool) else a == b,
    ast.IsNot: lambda a, b: a is not b if a is None or b is None or isinstance(a, bool) else a != b,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}


def _compare(op: ast.cmpop, left: object, right: object) -> bool | None:
    try:
        return bool(_COMPARE[type(op)](left, right))
    except (TypeError, KeyError):
        return None


def _between(parts: list[SqlText], separator: SqlText) -> list[SqlText]:
    """``parts`` with ``separator`` between each two."""
    out: list[SqlText] = []
    for i, part in enumerate(parts):
        if i:
            out.append(separator)
        out.append(part)
    return out


def _through_bindings(name: ast.Name, scope: Scope, depth: int, follow):
    """``follow`` applied to every value the name can hold, joined; None when any of them is unknown."""
    found = scope.bindings(name.id)
    if not found or any(b.expr is None for b in found):
        return None
    result = []
    for bound in found:
        more = follow(bound.expr, bound.scope, depth + 1)
        if more is None:
            return None
        result.extend(more)
    return result
