"""Walk a revision's AST from ``upgrade()``/``downgrade()`` and collect its operations.

Only code that can run in a phase is read: the phase function, the same-file helpers
it calls (with ``op``, batch aliases and literal arguments bound), and the SQL that
reaches ``execute``. Strings that never reach the database are never looked at.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace

from validator.model import Bypass, OpKind, Operation, Origin, Phase, Span
from validator.parse import alembic_ops, sql
from validator.parse.comments import sql_bypass
from validator.parse.dialect import DialectTests, always_leaves
from validator.parse.resolve import Resolver, Unresolved, Scope
from validator.parse.sqlalchemy_ops import METHODS as SQLALCHEMY_METHODS, SqlAlchemyCalls
from validator.parse.strings import Source, SqlText

PHASE_FUNCTION = re.compile(r"^(upgrade|downgrade)(?:_\w+)?$")
EXECUTORS = {"execute", "exec_driver_sql"}
_STATEMENT_LIMIT = 400
_LOOP_LIMIT = 64


def fold(text: str) -> str:
    """Whitespace folded to single spaces, cut to a readable length."""
    text = " ".join(text.split())
    return text if len(text) <= _STATEMENT_LIMIT else text[: _STATEMENT_LIMIT - 1] + "…"


@dataclass
class Context:
    phase: Phase
    function: str
    scope: Scope
    op_names: frozenset[str]
    batch: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    autocommit: bool = False
    stack: tuple[str, ...] = ()


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
        self.op_names, self.op_functions = self._op_imports()
        self.text = Source(source)
        self.resolver = Resolver(self.text)
        self.sqlalchemy = SqlAlchemyCalls(tree)
        self.module_scope = Scope(None)
        self._seen: set[tuple] = set()
        self._walked: set[int] = set()  # id() of each function whose body was analysed

    # -- module -------------------------------------------------------------------------
    def _op_imports(self) -> tuple[frozenset[str], dict[str, str]]:
        names, functions = {"op"}, {}
        for node in self.tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "alembic":
                for alias in node.names:
                    if alias.name == "op":
                        names.add(alias.asname or "op")
            elif isinstance(node, ast.ImportFrom) and node.module == "alembic.op":
                for alias in node.names:
                    functions[alias.asname or alias.name] = alias.name
        return frozenset(names), functions

    def run(self) -> list[Operation]:
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                self._bind(node, self.module_scope)
        for node, phase in self._phase_functions():
            if self.downgrade or phase is Phase.UPGRADE:
                ctx = Context(phase, node.name, Scope(self.module_scope), self.op_names, stack=(node.name,))
                self._walked.add(id(node))
                self._body(node.body, ctx)
        return self.operations

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
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.functions:
                    pending.append(self.functions[node.func.id])
        return spans

    # -- statements ---------------------------------------------------------------------
    def _bind(self, node: ast.stmt, scope: Scope) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    scope.set(target.id, node.value, scope)
                else:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            scope.forget(name.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            scope.set(node.target.id, node.value, scope)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            if isinstance(node.op, ast.Add) and scope.get(node.target.id) is not None:
                old, old_scope = scope.get(node.target.id)
                joined = ast.BinOp(left=old, op=ast.Add(), right=node.value)
                scope.set(node.target.id, joined, scope, left_scope=old_scope)
            else:
                scope.forget(node.target.id)

    def _body(self, body: list[ast.stmt], ctx: Context) -> None:
        for stmt in body:
            if self._statement(stmt, ctx):
                return  # the rest runs only on another database

    def _statement(self, stmt: ast.stmt, ctx: Context) -> bool | None:
        """Walk one statement; True when the code after it cannot run on the configured database."""
        kind = type(stmt)
        if kind not in _COMPOUND:
            span = Span(stmt.lineno, stmt.end_lineno or stmt.lineno, stmt.col_offset + 1)
            self._calls(stmt.value if kind is ast.Expr else stmt, span, ctx)
            if kind is not ast.Expr:
                self._bind(stmt, ctx.scope)
            return
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions.setdefault(stmt.name, stmt)  # a nested helper, followed where it is called
            return
        if isinstance(stmt, ast.ClassDef):
            return
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            header = Span(stmt.lineno, stmt.body[0].lineno - 1 if stmt.body[0].lineno > stmt.lineno else stmt.lineno,
                          stmt.col_offset + 1)
            inner = replace(ctx, batch=dict(ctx.batch))
            for item in stmt.items:
                self._calls(item.context_expr, header, ctx)
                self._with_item(item, inner, ctx)
            self._body(stmt.body, inner)
            return
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._calls(stmt.iter, self._header(stmt), ctx)
            items = self._literal_items(stmt.iter, ctx) if isinstance(stmt.target, ast.Name) else None
            if items is not None:
                # a loop over a literal list of SQL or names: each item is followed at its own line
                for item, where in items:
                    ctx.scope.set(stmt.target.id, item, where)
                    self._body(stmt.body, ctx)
            else:
                for name in ast.walk(stmt.target):
                    if isinstance(name, ast.Name):
                        ctx.scope.forget(name.id)
                self._body(stmt.body, ctx)
            self._body(stmt.orelse, ctx)
            return
        if isinstance(stmt, (ast.If, ast.While)):
            self._calls(stmt.test, self._header(stmt), ctx)
            taken = self.dialect.decide(stmt.test, ctx.scope) if type(stmt) is ast.If else None
            if taken is not False:
                self._body(stmt.body, ctx)
            if taken is not True:
                self._body(stmt.orelse, ctx)
            return taken is not None and always_leaves(stmt.body if taken else stmt.orelse)
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self._body(stmt.body, ctx)
            for handler in stmt.handlers:
                self._body(handler.body, ctx)
            self._body(stmt.orelse, ctx)
            self._body(stmt.finalbody, ctx)
            return
        if type(stmt).__name__ == "Match":
            self._calls(stmt.subject, self._header(stmt), ctx)
            for case in stmt.cases:
                self._body(case.body, ctx)
            return
        span = Span(stmt.lineno, stmt.end_lineno or stmt.lineno, stmt.col_offset + 1)
        self._calls(stmt, span, ctx)
        self._bind(stmt, ctx.scope)

    def _literal_items(self, expr: ast.expr, ctx: Context) -> list | None:
        """The items of a literal list/tuple (directly or through a constant), at most a few dozen."""
        scope = ctx.scope
        for _ in range(10):
            if isinstance(expr, ast.Name) and scope.get(expr.id) is not None:
                expr, scope = scope.get(expr.id)
            else:
                break
        if isinstance(expr, (ast.List, ast.Tuple)) and 0 < len(expr.elts) <= _LOOP_LIMIT \
                and not any(isinstance(e, ast.Starred) for e in expr.elts):
            return [(e, scope) for e in expr.elts]
        return None

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
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in _NO_CALLS:
                        self._calls(item, span, ctx)
            elif isinstance(value, ast.AST) and type(value) not in _NO_CALLS:
                self._calls(value, span, ctx)

    def _is_op(self, expr: ast.expr, ctx: Context) -> bool:
        if isinstance(expr, ast.Name):
            if expr.id in ctx.op_names:
                return True
            bound = ctx.scope.get(expr.id)  # operations = op
            return bound is not None and isinstance(bound[0], ast.Name) and bound[0].id in ctx.op_names
        # ``alembic.op.drop_table(...)`` after ``import alembic``
        return isinstance(expr, ast.Attribute) and expr.attr == "op" and isinstance(expr.value, ast.Name) \
            and expr.value.id == "alembic"

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
        elif type(func) is ast.Name:
            name = func.id
            if name in self.op_functions and name not in self.functions:
                return self._alembic(self.op_functions[name], call, span, ctx, batch=None)
            if name in self.functions and name not in ctx.stack:
                self._helper(self.functions[name], call, ctx)
        return False

    def _helper(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, ctx: Context) -> None:
        scope = Scope(self.module_scope)
        op_names, batch = set(ctx.op_names), {}
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        passed = list(zip(params, call.args)) + [(k.arg, k.value) for k in call.keywords if k.arg]
        for param, arg in passed:
            if isinstance(arg, ast.Starred):
                break
            if self._is_op(arg, ctx):
                op_names.add(param)
            elif isinstance(arg, ast.Name) and arg.id in ctx.batch:
                batch[param] = ctx.batch[arg.id]
            else:
                scope.set(param, arg, ctx.scope)
        for param in params:
            if param not in dict(passed) and param in ctx.op_names:
                op_names.discard(param)  # a parameter named like op but given something else
        inner = Context(ctx.phase, ctx.function, scope, frozenset(op_names), batch, ctx.autocommit,
                        ctx.stack + (fn.name,))
        self._walked.add(id(fn))
        self._body(fn.body, inner)

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
        text = self.resolver.text(arg, ctx.scope)
        if isinstance(text, Unresolved):
            self._add(Operation(OpKind.UNRESOLVED_SQL, reason=text.reason), where, span, ctx, self._segment(call))
            return
        self._sql(text, span, ctx)

    def _sql(self, text: SqlText, span: Span, ctx: Context) -> None:
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
        """A name argument as text: literal, ``op.f("x")``, a constant, else ``{source}``."""
        if expr is None:
            return None
        if isinstance(expr, ast.Constant):
            return None if expr.value is None else str(expr.value)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "f" \
                and self._is_op(expr.func.value, ctx) and expr.args:
            return self._value(expr.args[0], ctx)
        text = self.resolver.text(expr, ctx.scope)
        if isinstance(text, SqlText):
            return text.restore(text.text)
        return "{" + fold(self._segment(expr)) + "}"

    def _default_functions(self, expr: ast.expr) -> tuple[str, ...] | None:
        """Function names in a ``server_default``: ``sa.text("now()")``, ``sa.func.now()``."""
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and \
                isinstance(expr.func.value, ast.Attribute) and expr.func.value.attr == "func":
            return (expr.func.attr.lower(),)
        text = self.resolver.text(expr, self.module_scope)
        if not isinstance(text, SqlText):
            return None
        return sql.expression_functions(text.text)

    def _segment(self, node: ast.AST) -> str:
        return self.text.segment(node)


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


_COMPOUND = frozenset(
    getattr(ast, name) for name in ("FunctionDef", "AsyncFunctionDef", "ClassDef", "With", "AsyncWith", "For",
                                    "AsyncFor", "If", "While", "Try", "TryStar", "Match") if hasattr(ast, name)
)
# Nodes no call can be found under: leaves, and code that does not run where it stands.
_NO_CALLS = frozenset({
    ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Constant, ast.Name,
    ast.Load, ast.Store, ast.Del, ast.Pass, ast.Break, ast.Continue, ast.Import, ast.ImportFrom,
    ast.Global, ast.Nonlocal,
})
