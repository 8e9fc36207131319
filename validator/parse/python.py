"""Walk a revision's AST from ``upgrade()``/``downgrade()`` and collect its operations.

Only code that can run in a phase is read: the phase function, the same-file helpers
it calls (with ``op``, batch aliases and arguments bound), the callables it reaches
(an alias of ``op.drop_table``, ``getattr(op, ...)``, ``functools.partial``, ``map``,
a lambda or function handed to a wrapper, a list of steps called in a loop), and the
SQL that reaches ``execute``, partially evaluated (``validator.parse.evaluate``).
Strings that never reach the database are never looked at.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace

from ..model import Bypass, OpKind, Operation, Origin, Phase, Span
from . import alembic_ops, sql
from .comments import sql_bypass
from .dialect import DialectTests
from .evaluate import Evaluator, separate, short, skeleton, unknown_parts
from .resolve import UNKNOWN, Bound, Resolver, Scope
from .sqlalchemy_ops import METHODS as SQLALCHEMY_METHODS, SqlAlchemyCalls
from .strings import PLACEHOLDER_RE, Source, SqlText

PHASE_FUNCTION = re.compile(r"^(upgrade|downgrade)(?:_\w+)?$")
EXECUTORS = {"execute", "exec_driver_sql"}
_STATEMENT_LIMIT = 400
_LOOP_LIMIT = 64
PARTIAL = {"partial", "partialmethod"}


def fold(text: str) -> str:
    """Whitespace folded to single spaces, cut to a readable length."""
    text = " ".join(text.split())
    return text if len(text) <= _STATEMENT_LIMIT else text[: _STATEMENT_LIMIT - 1] + "…"


@dataclass(frozen=True)
class Target:
    """What a call runs: an Alembic operation (``op``/``batch``), an ``execute`` method, a
    function of the file, a lambda, or an operation picked at run time (``dynamic``)."""

    kind: str
    name: str = ""
    node: ast.AST | None = None
    scope: Scope | None = None  # where a lambda or def was written
    batch: tuple[str | None, str | None] | None = None
    args: tuple[ast.expr, ...] = ()  # bound earlier by functools.partial
    keywords: tuple[ast.keyword, ...] = ()


_RUNS_ARGUMENTS = frozenset({"op", "batch", "execute", "dynamic"})
_FOLLOW_LIMIT = 5_000  # function and lambda bodies walked per file
_TARGET_DEPTH = 20


@dataclass
class Context:
    phase: Phase
    function: str
    scope: Scope
    op_names: frozenset[str]
    batch: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    autocommit: bool = False
    stack: tuple[str, ...] = ()
    owner: str | None = None  # the class of a method being walked: ``self.x()`` is ``Owner.x``
    returns: list[Bound] | None = None  # collects ``return`` values when a call's result is wanted


class Walker:
    def __init__(self, source: str, tree: ast.Module, token: str, downgrade: bool = True,
                 dialect: str = "postgresql", column_types: bool = False):
        self.tree = tree
        self.dialect = DialectTests(dialect)  # branches for another database are not analysed
        self.token = token
        self.downgrade = downgrade  # False: downgrade() is not analysed at all
        self.column_types = column_types  # read the types of the columns op calls create
        self.operations: list[Operation] = []
        self.sql_bypasses: dict[tuple[int, int], Bypass] = {}  # by the (line, column) of the comment
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.owners: dict[int, str] = {}  # id() of a method -> its class
        self.op_names: set[str] = {"op"}
        self.op_functions: dict[str, str] = {}  # ``from alembic.op import drop_table as d``: d -> drop_table
        self.alembic_names: set[str] = {"alembic"}  # ``import alembic as a``: ``a.op`` is op
        self.text = Source(source)
        self.resolver = Resolver()
        self.sqlalchemy = SqlAlchemyCalls(tree)
        self.module_scope = Scope(None)
        self._seen: set[tuple] = set()
        self._walked: set[int] = set()  # id() of each function whose body was analysed
        self._follows = _FOLLOW_LIMIT  # helper and lambda bodies still to be walked in this file

    # -- module -------------------------------------------------------------------------
    def run(self) -> list[Operation]:
        self._module(self.tree.body, self.module_scope)
        op_names = frozenset(self.op_names)
        for node, phase in self._phase_functions():
            if self.downgrade or phase is Phase.UPGRADE:
                ctx = Context(phase, node.name, Scope(self.module_scope), op_names, stack=(node.name,))
                self._walked.add(id(node))
                self._body(node.body, ctx)
        return self.operations

    def _module(self, body: list[ast.stmt], scope: Scope, owner: str | None = None) -> None:
        """Definitions, imports and constants of the module, also under ``if``/``try``/``with``."""
        for node in body:
            kind = type(node)
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                if owner is None:
                    self.functions[node.name] = node
                    scope.set_values(node.name, [Bound(node, scope)])  # defined in both branches: both
                else:
                    self.functions[f"{owner}.{node.name}"] = node
                    self.owners[id(node)] = owner
            elif kind is ast.ClassDef and owner is None:
                self._module(node.body, scope, node.name)
            elif owner is not None:
                if kind is ast.Assign and len(node.targets) == 1 and type(node.targets[0]) is ast.Name:
                    scope.set(f"{owner}.{node.targets[0].id}", node.value, scope)  # ``Queries.PURGE``
            elif kind is ast.Assign or kind is ast.AnnAssign or kind is ast.AugAssign:
                self._bind(node, scope)
            elif kind is ast.Import or kind is ast.ImportFrom:
                self.op_names |= self._imports(node)
            elif kind is ast.If:
                before = scope.snapshot()
                self._module(node.body, scope)
                after = scope.snapshot()
                scope.restore(before)
                self._module(node.orelse, scope)
                scope.merge(after)
            elif kind is ast.Try or kind.__name__ == "TryStar" or kind is ast.With:
                for part in (node.body, *(h.body for h in getattr(node, "handlers", ())),
                             getattr(node, "orelse", ()), getattr(node, "finalbody", ())):
                    self._module(part, scope)

    def _imports(self, node: ast.Import | ast.ImportFrom) -> set[str]:
        """Names an import gives to ``op``; ``from alembic.op import ...`` fills ``op_functions``."""
        names: set[str] = set()
        if type(node) is ast.Import:
            for alias in node.names:
                if alias.name == "alembic.op" and alias.asname:
                    names.add(alias.asname)  # ``import alembic.op`` alone is read as ``alembic.op``
                elif alias.name == "alembic" and alias.asname:
                    self.alembic_names.add(alias.asname)
        elif node.module == "alembic" and not node.level:
            names.update(a.asname or "op" for a in node.names if a.name == "op")
        elif node.module == "alembic.op" and not node.level:
            for alias in node.names:
                if alias.name == "*":
                    self.op_functions.update((m, m) for m in alembic_ops.SIGNATURES if m not in self.functions)
                else:
                    self.op_functions[alias.asname or alias.name] = alias.name
        return names

    def _phase_functions(self):
        """``upgrade()``, ``downgrade()`` and their ``_<engine>`` variants, with their phase."""
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                m = PHASE_FUNCTION.match(node.name)
                if m:
                    yield node, Phase.UPGRADE if m.group(1) == "upgrade" else Phase.DOWNGRADE

    def downgrade_only(self) -> list[Span]:
        """Lines of ``downgrade()`` and the helpers only it reaches, when downgrade is not analysed."""
        if self.downgrade:
            return []
        pending = [node for node, phase in self._phase_functions() if phase is Phase.DOWNGRADE]
        spans, seen = [], set()
        while pending:
            fn = pending.pop()
            if id(fn) in seen:
                continue
            seen.add(id(fn))
            if id(fn) not in self._walked and (fn.end_lineno or fn.lineno) > fn.lineno:
                # the body only: the ``def`` line is where MG404 reports, and may carry its bypass
                spans.append(Span(fn.lineno + 1, fn.end_lineno or fn.lineno))
            for node in ast.walk(fn):
                # a helper called, or handed on (``retry(drop_old)``, ``for step in (a, b)``)
                if type(node) is ast.Name and node.id in self.functions:
                    pending.append(self.functions[node.id])
        return spans

    # -- statements ---------------------------------------------------------------------
    def _bind(self, node: ast.stmt, scope: Scope) -> None:
        kind = type(node)
        if kind is ast.Assign:
            for target in node.targets:
                self._assign(target, node.value, scope)
        elif kind is ast.AnnAssign and node.value is not None:
            self._assign(node.target, node.value, scope)
        elif kind is ast.AugAssign and type(node.target) is ast.Name:
            if type(node.op) is ast.Add:
                previous = ast.copy_location(ast.Name(id=node.target.id, ctx=ast.Load()), node.target)
                joined = ast.copy_location(ast.BinOp(left=previous, op=ast.Add(), right=node.value), node)
                scope.set(node.target.id, joined, scope)
            else:
                scope.forget(node.target.id)

    def _assign(self, target: ast.expr, value: ast.expr, scope: Scope) -> None:
        if type(target) is ast.Name:
            scope.set(target.id, value, scope)
        elif type(target) in (ast.Tuple, ast.List) and type(value) in (ast.Tuple, ast.List) \
                and len(target.elts) == len(value.elts):
            where = scope.frozen()  # ``a, b = b, a`` reads both before either changes
            for name, item in zip(target.elts, value.elts):
                if type(name) is ast.Name:
                    scope.set(name.id, item, where)
                else:
                    self._assign(name, item, scope)
        else:
            for name in ast.walk(target):
                if type(name) is ast.Name:
                    scope.forget(name.id)

    def _body(self, body: list[ast.stmt], ctx: Context) -> bool:
        """Walk a block; True when it always leaves (``return``/``raise``, or a branch for another
        database): what follows runs only otherwise, and is not analysed."""
        for stmt in body:
            if self._statement(stmt, ctx):
                return True
        return False

    def _branches(self, bodies: list[list[ast.stmt]], ctx: Context, skippable: bool = False) -> bool:
        """Bodies of which one runs (``if``/``else``, ``match`` cases, ``try`` handlers): each
        starts from the same bindings, and after them a name holds what any branch that goes
        on left in it. True when every branch leaves."""
        before = ctx.scope.snapshot()
        ends = []
        for body in bodies:
            ctx.scope.restore(before)
            if not self._body(body, ctx):
                ends.append(ctx.scope.snapshot())
        if skippable:
            ends.append(before)
        if not ends:
            ctx.scope.restore(before)
            return True
        ctx.scope.restore(ends[0])
        ctx.scope.merge(*ends[1:])
        return False

    def _statement(self, stmt: ast.stmt, ctx: Context) -> bool:
        """Walk one statement; True when it always leaves the block."""
        kind = type(stmt)
        if kind not in _COMPOUND:
            span = Span(stmt.lineno, stmt.end_lineno or stmt.lineno, stmt.col_offset + 1)
            if kind is ast.Import or kind is ast.ImportFrom:
                ctx.op_names = ctx.op_names | self._imports(stmt)  # ``from alembic import op`` inside upgrade()
                return False
            self._calls(stmt.value if kind is ast.Expr else stmt, span, ctx)
            if kind is ast.Return and ctx.returns is not None and stmt.value is not None:
                ctx.returns.append(Bound(stmt.value, ctx.scope.frozen()))
            elif kind is ast.Expr and type(stmt.value) is ast.Yield and ctx.returns is not None \
                    and stmt.value.value is not None:
                ctx.returns.append(Bound(stmt.value.value, ctx.scope.frozen(), yielded=True))
            elif kind is not ast.Expr:
                self._bind(stmt, ctx.scope)
            return kind is ast.Return or kind is ast.Raise
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions.setdefault(stmt.name, stmt)  # a nested helper, followed where it is called
            ctx.scope.set_values(stmt.name, [Bound(stmt, ctx.scope)])
            return False
        if isinstance(stmt, ast.ClassDef):
            return False
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            header = Span(stmt.lineno, stmt.body[0].lineno - 1 if stmt.body[0].lineno > stmt.lineno else stmt.lineno,
                          stmt.col_offset + 1)
            inner = replace(ctx, batch=dict(ctx.batch))
            for item in stmt.items:
                self._calls(item.context_expr, header, ctx)
                self._with_item(item, inner, ctx)
            leaves = self._body(stmt.body, inner)
            ctx.op_names = inner.op_names
            return leaves
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._calls(stmt.iter, self._header(stmt), ctx)
            items = self._evaluator(ctx).items(stmt.iter, ctx.scope)
            before = ctx.scope.snapshot()
            ends = [before]
            if items is not None and 0 < len(items) <= _LOOP_LIMIT:
                # a loop over items the file states: each is followed at its own line
                for item in items:
                    ctx.scope.restore(before)
                    self._loop_target(stmt.target, item, ctx.scope)
                    self._body(stmt.body, ctx)
                    ends.append(ctx.scope.snapshot())
            else:
                for name in ast.walk(stmt.target):
                    if isinstance(name, ast.Name):
                        ctx.scope.forget(name.id)
                self._body(stmt.body, ctx)
                ends.append(ctx.scope.snapshot())
            ctx.scope.restore(ends[0])
            ctx.scope.merge(*ends[1:])
            self._body(stmt.orelse, ctx)
            return False
        if isinstance(stmt, ast.If):
            self._calls(stmt.test, self._header(stmt), ctx)
            # a test of the database (the ``dialect`` setting) or of the file's own constants
            decided = self.dialect.decide(stmt.test, ctx.scope)
            if decided is None:
                decided = self._evaluator(ctx).decide(stmt.test, ctx.scope)
            if decided is None:
                return self._branches([stmt.body, stmt.orelse], ctx)
            return self._branches([stmt.body if decided else stmt.orelse], ctx)  # the other cannot run
        if isinstance(stmt, ast.While):
            self._calls(stmt.test, self._header(stmt), ctx)
            self._branches([stmt.body], ctx, skippable=True)
            self._body(stmt.orelse, ctx)
            return False
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            # a handler can start anywhere in the body: the body is walked to its end either way
            self._body(stmt.body, ctx)
            self._branches([stmt.orelse] + [handler.body for handler in stmt.handlers], ctx)
            self._body(stmt.finalbody, ctx)
            return False
        if type(stmt).__name__ == "Match":
            self._calls(stmt.subject, self._header(stmt), ctx)
            self._branches([case.body for case in stmt.cases], ctx, skippable=True)
            return False
        span = Span(stmt.lineno, stmt.end_lineno or stmt.lineno, stmt.col_offset + 1)
        self._calls(stmt, span, ctx)
        self._bind(stmt, ctx.scope)
        return False

    def _loop_target(self, target: ast.expr, item: Bound, scope: Scope) -> None:
        """Bind a loop variable (or a tuple of them) to one item."""
        if type(target) is ast.Name:
            scope.set_values(target.id, [item])
        elif type(target) in (ast.Tuple, ast.List) and item.expr is not None \
                and type(item.expr) in (ast.Tuple, ast.List) and len(item.expr.elts) == len(target.elts):
            for name, value in zip(target.elts, item.expr.elts):
                self._loop_target(name, Bound(value, item.scope), scope)
        else:
            for name in ast.walk(target):
                if type(name) is ast.Name:
                    scope.forget(name.id)

    def _header(self, stmt: ast.stmt) -> Span:
        first = stmt.body[0].lineno if getattr(stmt, "body", None) else stmt.lineno
        return Span(stmt.lineno, max(stmt.lineno, first - 1), stmt.col_offset + 1)

    def _with_item(self, item: ast.withitem, inner: Context, outer: Context) -> None:
        expr = item.context_expr
        if not isinstance(expr, ast.Call) or not isinstance(expr.func, ast.Attribute):
            return
        if expr.func.attr == "autocommit_block":
            inner.autocommit = True
        elif expr.func.attr == "batch_alter_table" and self._is_op(expr.func.value, outer):
            table = self._value(expr.args[0] if expr.args else _kw(expr, "table_name"), outer)
            schema = self._value(_kw(expr, "schema"), outer)
            if isinstance(item.optional_vars, ast.Name):
                inner.batch[item.optional_vars.id] = (table, schema)

    # -- calls --------------------------------------------------------------------------
    def _calls(self, node: ast.AST, span: Span, ctx: Context) -> None:
        """Every call under ``node``; the arguments of an Alembic call hold no further operation."""
        if type(node) is ast.Call and self._call(node, span, ctx):
            return
        if type(node) in _COMPREHENSIONS:
            self._comprehension(node, node.generators, span, ctx)
            return
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in _NO_CALLS:
                        self._calls(item, span, ctx)
            elif isinstance(value, ast.AST) and type(value) not in _NO_CALLS:
                self._calls(value, span, ctx)

    def _comprehension(self, node: ast.expr, generators: list[ast.comprehension], span: Span,
                       ctx: Context) -> None:
        """``[op.drop_table(t) for t in TABLES]``: the element runs once per item the file states
        (once, with the variable unknown, when it does not)."""
        if not generators:
            for part in (node.key, node.value) if type(node) is ast.DictComp else (node.elt,):
                self._calls(part, span, ctx)
            return
        generator, rest = generators[0], generators[1:]
        self._calls(generator.iter, span, ctx)
        items = self._evaluator(ctx).items(generator.iter, ctx.scope)
        if items is None or not 0 < len(items) <= _LOOP_LIMIT:
            items = [UNKNOWN]
        for item in items:
            inner = replace(ctx, scope=Scope(ctx.scope))
            self._loop_target(generator.target, item, inner.scope)
            for condition in generator.ifs:
                self._calls(condition, span, inner)
            self._comprehension(node, rest, span, inner)

    def _is_op(self, expr: ast.expr, ctx: Context) -> bool:
        if type(expr) is ast.Name:
            if expr.id in ctx.op_names:
                return True
            bound = ctx.scope.get(expr.id)  # operations = op
            return bound is not None and type(bound[0]) is ast.Name and bound[0].id in ctx.op_names
        # ``alembic.op.drop_table(...)`` after ``import alembic``
        return type(expr) is ast.Attribute and expr.attr == "op" and type(expr.value) is ast.Name \
            and expr.value.id in self.alembic_names

    def _call(self, call: ast.Call, span: Span, ctx: Context) -> bool:
        """Handle one call; True when it was an Alembic or execute call (its arguments are done)."""
        func = call.func
        if type(func) is ast.Attribute:
            receiver = func.value
            if self._is_op(receiver, ctx):
                return self._alembic(func.attr, call, span, ctx, batch=None)
            if type(receiver) is ast.Name and receiver.id in ctx.batch:
                return self._alembic(func.attr, call, span, ctx, batch=ctx.batch[receiver.id])
            if func.attr in EXECUTORS:
                if self.sqlalchemy.executable(receiver, ctx.scope):  # DDL("...").execute(bind), t.delete().execute()
                    self._execute(receiver, call, span, ctx)
                    return True
                self._calls(receiver, span, ctx)  # op.get_bind().execute(...): the receiver runs first
                self._execute(call.args[0] if call.args else _kw(call, "statement"), call, span, ctx)
                return True
            if func.attr in SQLALCHEMY_METHODS:  # session.query(M).delete(), t.drop(bind), meta.drop_all(bind)
                for op in self.sqlalchemy.operations(call, ctx.scope, lambda e: self._value(e, ctx)):
                    self._add(op, Span(call.lineno, call.end_lineno or call.lineno, call.col_offset + 1), span, ctx,
                              fold(self._segment(call)))
        elif type(func) is ast.Name and func.id in self.op_functions and func.id not in self.functions \
                and ctx.scope.bindings(func.id) is None:
            return self._alembic(self.op_functions[func.id], call, span, ctx, batch=None)
        targets = self._targets(func, ctx, ctx.scope)
        if targets:
            for target in targets:
                self._invoke(target, call, list(call.args), list(call.keywords), span, ctx)
            return all(t.kind in _RUNS_ARGUMENTS for t in targets)
        name = func.id if type(func) is ast.Name else func.attr if type(func) is ast.Attribute else None
        if name == "map" and len(call.args) >= 2:
            self._map(call, span, ctx)
        elif name not in PARTIAL:  # a partial runs nothing until it is called
            self._handed(call, span, ctx)
        return False

    # -- callables ----------------------------------------------------------------------
    def _targets(self, expr: ast.expr, ctx: Context, scope: Scope, depth: int = 0) -> list[Target]:
        """What calling ``expr`` runs, when the file says: an Alembic operation, an executor,
        a function of the file, a lambda, or a ``functools.partial`` of one of these."""
        kind = type(expr)
        if depth > _TARGET_DEPTH:
            return []
        if kind is ast.Name:
            found = scope.bindings(expr.id)
            if found is not None:
                return [t for b in found if b.expr is not None
                        for t in self._targets(b.expr, ctx, b.scope, depth + 1)]
            if expr.id in self.op_functions and expr.id not in self.functions:
                return [Target("op", self.op_functions[expr.id])]
            fn = self.functions.get(expr.id)
            return [Target("function", node=fn)] if fn is not None else []
        if kind is ast.Attribute:
            receiver = expr.value
            if self._is_op(receiver, ctx):
                return [Target("op", expr.attr)] if expr.attr in alembic_ops.SIGNATURES else []
            if type(receiver) is ast.Name and receiver.id in ctx.batch:
                return [Target("batch", expr.attr, batch=ctx.batch[receiver.id])]
            if expr.attr in EXECUTORS:
                return [Target("execute", expr.attr)]
            owner = self._owner(receiver, ctx, scope)
            fn = self.functions.get(f"{owner}.{expr.attr}") if owner else None
            return [Target("function", node=fn)] if fn is not None else []
        if kind is ast.Lambda:
            return [Target("lambda", node=expr, scope=scope)]
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            return [Target("function", node=expr, scope=scope)]  # a nested def reads its enclosing names
        if kind is ast.Call:
            callee = expr.func
            name = callee.attr if type(callee) is ast.Attribute else callee.id if type(callee) is ast.Name else None
            if name == "getattr" and len(expr.args) >= 2 and self._is_op(expr.args[0], ctx):
                methods = self._evaluator(ctx).values(expr.args[1], scope)
                if any(PLACEHOLDER_RE.search(m.text) for m in methods):
                    return [Target("dynamic", short(self._segment(expr)))]
                return [Target("op", m.text) for m in methods if m.text in alembic_ops.SIGNATURES]
            if name in PARTIAL and expr.args:
                return [replace(t, args=tuple(expr.args[1:]) + t.args, keywords=tuple(expr.keywords) + t.keywords)
                        for t in self._targets(expr.args[0], ctx, scope, depth + 1)]
        return []

    def _owner(self, receiver: ast.expr, ctx: Context, scope: Scope) -> str | None:
        """The class of the file a method call goes to: ``Steps.x``, ``Steps().x``, ``self.x``."""
        if type(receiver) is ast.Name:
            if receiver.id in ("self", "cls") and ctx.owner:
                return ctx.owner
            bound = scope.get(receiver.id)
            if bound is not None and type(bound[0]) is ast.Call:
                receiver = bound[0]
            else:
                return receiver.id
        if type(receiver) is ast.Call and type(receiver.func) is ast.Name:
            return receiver.func.id
        return None

    def _invoke(self, target: Target, call: ast.Call, args: list[ast.expr], keywords: list[ast.keyword],
                span: Span, ctx: Context, returns: list[Bound] | None = None, scope: Scope | None = None) -> None:
        """Run ``target`` with these arguments, as code of the caller's phase."""
        called = ast.copy_location(ast.Call(func=call.func, args=list(target.args) + args,
                                            keywords=list(target.keywords) + keywords), call)
        if target.kind == "op":
            self._alembic(target.name, called, span, ctx, batch=None)
        elif target.kind == "batch":
            self._alembic(target.name, called, span, ctx, batch=target.batch)
        elif target.kind == "execute":
            self._execute(called.args[0] if called.args else _kw(called, "statement"), called, span, ctx)
        elif target.kind == "dynamic":
            self._unresolved(f"`{target.name}` picks the operation at run time", call, span, ctx, Origin.OP_CALL)
        elif target.kind in ("function", "lambda") and self._follows <= 0:
            # helpers calling helpers many times over grow the walk exponentially: stop, and say so
            self._unresolved(f"the file's functions are followed through more than {_FOLLOW_LIMIT} calls; "
                             f"the linter did not follow `{short(self._segment(call))}`", call, span, ctx, Origin.OP_CALL)
        elif target.kind == "function" and target.node.name not in ctx.stack:
            self._follows -= 1
            self._helper(target.node, called, ctx, scope, returns, target.scope)
        elif target.kind == "lambda":
            key = f"<lambda {target.node.lineno}:{target.node.col_offset}>"
            if key in ctx.stack:
                return
            self._follows -= 1
            inner = self._parameters(target.node.args, called, ctx, scope or ctx.scope, Scope(target.scope), False)
            inner.stack = ctx.stack + (key,)
            if returns is not None:
                returns.append(Bound(target.node.body, inner.scope))
            self._calls(target.node.body, span, inner)

    def _map(self, call: ast.Call, span: Span, ctx: Context) -> None:
        """``map(op.drop_table, NAMES)``: the function runs once per item (or once, on unknown ones)."""
        evaluator = self._evaluator(ctx)
        columns = [evaluator.items(iterable, ctx.scope) for iterable in call.args[1:]]
        rows: list[list[Bound]] = [[UNKNOWN] * len(columns)]
        if all(c is not None for c in columns) and len({len(c) for c in columns}) == 1 \
                and 0 < len(columns[0]) <= _LOOP_LIMIT:
            rows = [list(row) for row in zip(*columns)]
        for row in rows:
            inner = replace(ctx, scope=Scope(ctx.scope))
            args = []
            for i, (item, iterable) in enumerate(zip(row, call.args[1:])):
                inner.scope.set_values(f"·item{i}", [item])
                args.append(ast.copy_location(ast.Name(id=f"·item{i}", ctx=ast.Load()), iterable))
            for target in self._targets(call.args[0], ctx, ctx.scope):
                self._invoke(target, call, args, [], span, inner)

    def _handed(self, call: ast.Call, span: Span, ctx: Context) -> None:
        """A lambda or function handed to a wrapper the file does not define (a retry, a lock
        timeout) runs as part of the caller: it is walked with the arguments that follow it."""
        values = list(call.args) + [k.value for k in call.keywords]
        for i, value in enumerate(values):
            if type(value) in _NOT_CALLABLE:
                continue
            for target in self._targets(value, ctx, ctx.scope):
                rest = [a for a in call.args[i + 1:] if type(a) is not ast.Starred] if i < len(call.args) else []
                self._invoke(target, value if type(value) is ast.Call else call, rest, [], span, ctx)

    def _parameters(self, arguments: ast.arguments, call: ast.Call, ctx: Context, caller: Scope, scope: Scope,
                    skip_first: bool) -> Context:
        """A context for a function or lambda body: its parameters bound to the call's arguments
        (read in the caller's scope), to their defaults, or to nothing known."""
        op_names, batch = set(ctx.op_names), {}
        positional = arguments.posonlyargs + arguments.args
        if skip_first and positional:
            positional = positional[1:]
        params = [a.arg for a in positional]
        defaults = dict(zip(params[len(params) - len(arguments.defaults):], arguments.defaults)) \
            if arguments.defaults else {}
        defaults.update((a.arg, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None)
        passed: dict[str, ast.expr] = {}
        for param, arg in zip(params, call.args):
            if type(arg) is ast.Starred:
                break
            passed[param] = arg
        passed.update((k.arg, k.value) for k in call.keywords if k.arg)
        every = params + [a.arg for a in arguments.kwonlyargs] + \
            [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
        for param in every:
            arg = passed.get(param)
            if type(arg if arg is not None else defaults.get(param)) is ast.Constant:
                op_names.discard(param)  # a parameter named like op given a literal is not op
            if arg is not None and self._is_op(arg, ctx):
                op_names.add(param)
            elif type(arg) is ast.Name and arg.id in ctx.batch:
                batch[param] = ctx.batch[arg.id]
            elif arg is not None:
                scope.set(param, arg, caller)
            elif param in defaults:
                scope.set(param, defaults[param], self.module_scope)
            else:
                scope.forget(param)
        return Context(ctx.phase, ctx.function, scope, frozenset(op_names), batch, ctx.autocommit, ctx.stack,
                       ctx.owner)

    def _helper(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, ctx: Context,
                caller: Scope | None = None, returns: list[Bound] | None = None,
                enclosing: Scope | None = None) -> None:
        owner = self.owners.get(id(fn))
        static = any(type(d) is ast.Name and d.id == "staticmethod" for d in fn.decorator_list)
        inner = self._parameters(fn.args, call, ctx, caller or ctx.scope, Scope(enclosing or self.module_scope),
                                 skip_first=owner is not None and not static)
        inner.stack, inner.owner, inner.returns = ctx.stack + (fn.name,), owner, returns
        self._walked.add(id(fn))
        self._body(fn.body, inner)

    def _returns(self, call: ast.Call, scope: Scope, ctx: Context) -> list[Bound] | str | None:
        """What a call of the file's own function or lambda returns; None for any other call,
        the reason when it is not followed."""
        targets = [t for t in self._targets(call.func, ctx, scope) if t.kind in ("function", "lambda")]
        if not targets:
            return None
        returned: list[Bound] = []
        for target in targets:
            if target.kind == "function" and target.node.name in ctx.stack:
                return f"`{target.node.name}` calls itself; the linter does not follow the recursion"
            span = Span(call.lineno, call.end_lineno or call.lineno, call.col_offset + 1)
            self._invoke(target, call, list(call.args), list(call.keywords), span, ctx, returned, scope)
        return returned

    def _alembic(self, method: str, call: ast.Call, span: Span, ctx: Context,
                 batch: tuple[str | None, str | None] | None) -> bool:
        args = alembic_ops.bind(method, call, batch is not None)
        if args is None:
            return False
        if method == "execute":
            self._execute(args.get("sqltext"), call, span, ctx)
            return True
        op = alembic_ops.operation_for(method, args, batch, lambda e: self._value(e, ctx), self._default_functions,
                                       column_types=self.column_types)
        if op is not None:
            where = Span(call.lineno, call.end_lineno or call.lineno, call.col_offset + 1)
            self._add(op, where, span, ctx, fold(self._segment(call)), origin=Origin.OP_CALL)
        return True

    def _execute(self, arg: ast.expr | None, call: ast.Call, span: Span, ctx: Context) -> None:
        where = Span(call.lineno, call.end_lineno or call.lineno, call.col_offset + 1)
        if arg is None:
            return
        schema = self.sqlalchemy.schema_construct(arg, ctx.scope, lambda e: self._value(e, ctx))
        if schema is not False:  # DropTable(t) and the other schema constructs
            if schema is not None:
                self._add(schema, where, span, ctx, fold(self._segment(call)))
            return
        construct = self.resolver.construct(arg, ctx.scope)
        if construct is not None:
            op, table_expr = construct
            if op is not None:
                table = self._value(table_expr, ctx) if table_expr is not None else None
                self._add(op, where, span, ctx, self._segment(call), table=table)
            return
        evaluator = self._evaluator(ctx)
        reasons = []
        for text in evaluator.values(arg, ctx.scope):
            if "mg_param_" not in text.text:
                self._sql(text, span, ctx)
            elif skeleton(text):
                text = separate(text)
                statements = self._sql(text, span, ctx).statements
                alone = [m for m in PLACEHOLDER_RE.finditer(text.text)
                         if not any(start <= m.start() < end for start, end in statements)]
                if alone:  # an unknown part that is a statement of its own
                    parts = SqlText(text.text, text.marks, tuple(text.placeholders[int(m.group(1))] for m in alone))
                    reasons.append(f"{unknown_parts(parts)} is computed at run time: no SQL verb can be read")
            else:
                reasons.append(f"{unknown_parts(text)} is computed at run time: no SQL verb can be read")
        reasons.extend(evaluator.stops)
        if reasons:
            self._unresolved("; ".join(dict.fromkeys(reasons)), call, span, ctx, Origin.SQL)

    def _unresolved(self, reason: str, call: ast.Call, span: Span, ctx: Context, origin: Origin) -> None:
        """What the linter cannot read at ``call`` (MG904), with the reason."""
        where = Span(call.lineno, call.end_lineno or call.lineno, call.col_offset + 1)
        self._add(Operation(OpKind.UNRESOLVED_SQL, origin=origin, reason=reason), where, span, ctx, self._segment(call))

    def _evaluator(self, ctx: Context) -> Evaluator:
        """An evaluator that follows calls of the file's own functions in ``ctx``'s phase."""
        return Evaluator(self.text, lambda call, scope: self._returns(call, scope, ctx))

    def _sql(self, text: SqlText, span: Span, ctx: Context) -> sql.SqlAnalysis:
        analysis = sql.analyse(text.text, self.token if self.token in text.text else None, self.dialect.dialect)
        for found in analysis.ops:
            start_line, start_col = text.position(found.start)
            end_line, _ = text.position(max(found.end - 1, found.start))
            statement = fold(text.restore(text.text[found.start:found.end]))
            op = found.operation
            # a substituted constant can sit above the statement; the span never runs backwards
            self._add(op, Span(start_line, max(end_line, start_line), start_col), span, ctx, statement,
                      table=text.restore(op.table) if op.table else None,
                      target=text.restore(op.target) if op.target else None)
        for comment in analysis.comments:
            sql_bypass(self.sql_bypasses, text, analysis, comment, self.token)
        return analysis

    def _add(self, op: Operation, where: Span, span: Span, ctx: Context, statement: str, **fields: object) -> None:
        """Place ``op`` in the file; ``fields`` set what the parser that built it could not know.

        (its ``origin``, or its table and target as the file spells them)
        """
        table, target = fields.get("table", op.table), fields.get("target", op.target)
        key = (op.kind, where.line, where.end_line, where.column, span.line, span.end_line, ctx.phase, table, target,
               statement)
        if key in self._seen:
            return  # the same helper reached twice describes one operation
        self._seen.add(key)
        self.operations.append(op.placed(
            span=where, statement_span=span, phase=ctx.phase, statement=statement, in_autocommit_block=ctx.autocommit,
            function=ctx.stack[-1] if ctx.stack else ctx.function, **fields,
        ))

    # -- values -------------------------------------------------------------------------
    def _value(self, expr: ast.expr | None, ctx: Context) -> str | None:
        """A name argument as text: literal, ``op.f("x")``, a constant, ``{source}`` for unknown parts."""
        if expr is None:
            return None
        if type(expr) is ast.Constant:
            return None if expr.value is None else str(expr.value)
        if type(expr) is ast.Call and type(expr.func) is ast.Attribute and expr.func.attr == "f" \
                and self._is_op(expr.func.value, ctx) and expr.args:
            return self._value(expr.args[0], ctx)
        texts = [t.restore(t.text) for t in self._evaluator(ctx).values(expr, ctx.scope)]
        return " or ".join(dict.fromkeys(texts)) if texts else "{" + fold(self._segment(expr)) + "}"

    def _default_functions(self, expr: ast.expr) -> tuple[str, ...] | None:
        """Function names in a ``server_default``: ``sa.text("now()")``, ``sa.func.now()``."""
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and \
                isinstance(expr.func.value, ast.Attribute) and expr.func.value.attr == "func":
            return (expr.func.attr.lower(),)
        texts = Evaluator(self.text).values(expr, self.module_scope)
        if len(texts) != 1 or PLACEHOLDER_RE.search(texts[0].text):
            return None
        return sql.expression_functions(texts[0].text)

    def _segment(self, node: ast.AST) -> str:
        return self.text.segment(node)


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


_COMPOUND = frozenset(
    getattr(ast, name) for name in ("FunctionDef", "AsyncFunctionDef", "ClassDef", "With", "AsyncWith", "For",
                                    "AsyncFor", "If", "While", "Try", "TryStar", "Match") if hasattr(ast, name)
)
_COMPREHENSIONS = frozenset({ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp})
_NOT_CALLABLE = frozenset({ast.Constant, ast.JoinedStr, ast.BinOp, ast.List, ast.Tuple, ast.Dict, ast.Set,
                           ast.Compare, ast.Starred})
# Nodes no call can be found under: leaves, and code that does not run where it stands.
_NO_CALLS = frozenset({
    ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Constant, ast.Name,
    ast.Load, ast.Store, ast.Del, ast.Pass, ast.Break, ast.Continue, ast.Import, ast.ImportFrom,
    ast.Global, ast.Nonlocal,
})
