"""SQL text -> operations, with the PostgreSQL parser (pglast) and sqlparse as the fallback.

Offsets in and out are character offsets into the text (pglast reports them so).
Comments and string literals inside SQL never become
operations: only the parser's statements do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pglast
from pglast import ast, enums



@dataclass(frozen=True)
class SqlOp:
    kind: str
    start: int
    end: int
    table: str | None = None
    schema: str | None = None
    target: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class SqlComment:
    start: int
    text: str
    own_line: bool


@dataclass(frozen=True)
class SqlAnalysis:
    ops: tuple[SqlOp, ...]
    statements: tuple[tuple[int, int], ...]  # (start, end) of each statement
    comments: tuple[SqlComment, ...] = ()


def _name(rv: ast.RangeVar | None) -> tuple[str | None, str | None]:
    if rv is None:
        return None, None
    return rv.relname, rv.schemaname


def _dotted(obj: Any) -> tuple[str | None, str | None]:
    """A DROP object: a String, or a list of Strings (schema, name)."""
    if isinstance(obj, ast.String):
        return obj.sval, None
    parts = [p.sval for p in obj if isinstance(p, ast.String)] if isinstance(obj, (tuple, list)) else []
    if not parts:
        return None, None
    return parts[-1], (parts[-2] if len(parts) > 1 else None)


def _const(node: Any) -> tuple[bool, Any]:
    if isinstance(node, ast.A_Const):
        if node.isnull:
            return True, None
        val = node.val
        for attr in ("boolval", "ival", "fval", "sval"):
            if hasattr(val, attr):
                value = getattr(val, attr)
                return True, float(value) if attr == "fval" else value
    if isinstance(node, ast.TypeCast):
        ok, value = _const(node.arg)
        names = [n.sval for n in node.typeName.names] if node.typeName else []
        if ok and isinstance(value, str) and names and names[-1] in ("bool", "boolean"):
            return True, value.lower() in ("t", "true", "y", "yes", "on", "1")
        return ok, value
    return False, None


_COMPARE = {"=": lambda a, b: a == b, "<>": lambda a, b: a != b, "!=": lambda a, b: a != b,
            "<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def truth(node: Any) -> bool | None:
    """The value of a WHERE clause that does not depend on any row, else None."""
    ok, value = _const(node)
    if ok:
        return value if isinstance(value, bool) else None
    if isinstance(node, ast.BoolExpr):
        values = [truth(a) for a in node.args]
        if node.boolop == enums.BoolExprType.NOT_EXPR:
            return None if values[0] is None else not values[0]
        if node.boolop == enums.BoolExprType.AND_EXPR:
            return False if False in values else (True if all(v is True for v in values) else None)
        return True if True in values else (False if all(v is False for v in values) else None)
    if isinstance(node, ast.A_Expr) and node.kind == enums.A_Expr_Kind.AEXPR_OP and node.name:
        op = node.name[-1].sval
        if op not in _COMPARE:
            return None
        lok, left = _const(node.lexpr)
        rok, right = _const(node.rexpr)
        if lok and rok and left is not None and right is not None:
            try:
                return bool(_COMPARE[op](left, right))
            except TypeError:
                return None
        same = (isinstance(node.lexpr, ast.ColumnRef) and isinstance(node.rexpr, ast.ColumnRef)
                and repr(node.lexpr.fields) == repr(node.rexpr.fields))
        return True if same and op in ("=", "<=", ">=") else None
    if isinstance(node, ast.NullTest):
        ok, value = _const(node.arg)
        if ok:
            is_null = value is None
            return is_null if node.nulltesttype == enums.NullTestType.IS_NULL else not is_null
    return None


def where_kind(node: Any) -> str:
    if node is None:
        return "none"
    return "constant_true" if truth(node) is True else "filtered"


_VOLATILE = {"random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v4", "clock_timestamp",
             "timeofday", "nextval", "txid_current", "statement_timestamp", "setseed"}


def _functions(node: Any) -> tuple[str, ...]:
    found: list[str] = []

    def walk(n: Any) -> None:
        if isinstance(n, ast.FuncCall):
            found.append(n.funcname[-1].sval.lower())
        if isinstance(n, ast.Node):
            for name in n.__slots__:
                walk(getattr(n, name, None))
        elif isinstance(n, (tuple, list)):
            for item in n:
                walk(item)

    walk(node)
    return tuple(found)


def expression_functions(expression: str) -> tuple[str, ...] | None:
    """Function names called in an SQL expression such as a server default; None if unreadable."""
    try:
        parsed = pglast.parse_sql("SELECT " + expression)
    except Exception:  # noqa: BLE001
        return None
    return _functions(parsed[0].stmt)


def _column_facts(col: ast.ColumnDef) -> dict[str, Any]:
    kinds = {c.contype for c in (col.constraints or ())}
    default = next((c.raw_expr for c in (col.constraints or ()) if c.contype == enums.ConstrType.CONSTR_DEFAULT), None)
    C = enums.ConstrType
    functions = _functions(default) if default is not None else ()
    return {
        "nullable": not (col.is_not_null or C.CONSTR_NOTNULL in kinds or C.CONSTR_PRIMARY in kinds),
        "has_default": default is not None or C.CONSTR_IDENTITY in kinds,
        "default_volatile": any(f in _VOLATILE for f in functions) or C.CONSTR_GENERATED in kinds,
        "default_functions": functions,
        "foreign_key": C.CONSTR_FOREIGN in kinds,
        "unique": C.CONSTR_UNIQUE in kinds or C.CONSTR_PRIMARY in kinds,
        "type": ".".join(n.sval for n in col.typeName.names) if col.typeName else None,
        "identity": C.CONSTR_IDENTITY in kinds,
        "generated_stored": C.CONSTR_GENERATED in kinds,
        "referenced_table": next((_name(c.pktable)[0] for c in (col.constraints or ())
                                  if c.contype == C.CONSTR_FOREIGN and c.pktable is not None), None),
    }


_CONSTRAINT = {
    enums.ConstrType.CONSTR_FOREIGN: "foreign_key", enums.ConstrType.CONSTR_CHECK: "check",
    enums.ConstrType.CONSTR_UNIQUE: "unique", enums.ConstrType.CONSTR_PRIMARY: "primary_key",
    enums.ConstrType.CONSTR_EXCLUSION: "exclusion", enums.ConstrType.CONSTR_NOTNULL: "not_null",
}


def _alter_table(stmt: ast.AlterTableStmt, start: int, end: int) -> list[SqlOp]:
    table, schema = _name(stmt.relation)
    T = enums.AlterTableType
    relkind = stmt.objtype.name.removeprefix("OBJECT_").lower() if stmt.objtype is not None else "table"
    ops = []
    for cmd in stmt.cmds or ():
        sub = cmd.subtype
        base = dict(start=start, end=end, table=table, schema=schema)
        if sub == T.AT_DropColumn:
            ops.append(SqlOp("drop_column", target=cmd.name, attrs={"if_exists": bool(cmd.missing_ok)}, **base))
        elif sub == T.AT_DropConstraint:
            ops.append(SqlOp("drop_constraint", target=cmd.name, **base))
        elif sub == T.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
            ops.append(SqlOp("add_column", target=cmd.def_.colname, attrs=_column_facts(cmd.def_), **base))
        elif sub == T.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
            c = cmd.def_
            ops.append(SqlOp("add_constraint", target=c.conname, attrs={
                "constraint_type": _CONSTRAINT.get(c.contype, "other"), "not_valid": bool(c.skip_validation),
                "using_index": bool(c.indexname),
                "referenced_table": _name(c.pktable)[0] if c.pktable is not None else None}, **base))
        elif sub in (T.AT_SetNotNull, T.AT_DropNotNull, T.AT_AlterColumnType, T.AT_ColumnDefault):
            attrs = {"set_not_null": sub == T.AT_SetNotNull, "drop_not_null": sub == T.AT_DropNotNull,
                     "type_change": sub == T.AT_AlterColumnType, "set_default": sub == T.AT_ColumnDefault}
            if sub == T.AT_AlterColumnType and isinstance(cmd.def_, ast.ColumnDef) and cmd.def_.typeName:
                attrs["new_type"] = ".".join(n.sval for n in cmd.def_.typeName.names)
                attrs["using"] = cmd.def_.raw_default is not None
            if sub == T.AT_ColumnDefault and cmd.def_ is not None:
                attrs["default_volatile"] = any(f in _VOLATILE for f in _functions(cmd.def_))
            ops.append(SqlOp("alter_column", target=cmd.name, **base, attrs=attrs))
        else:
            ops.append(SqlOp("alter_table", target=cmd.name, attrs={"action": sub.name, "relkind": relkind}, **base))
    return ops


_DROP_KIND = {
    enums.ObjectType.OBJECT_TABLE: "drop_table", enums.ObjectType.OBJECT_FOREIGN_TABLE: "drop_table",
    enums.ObjectType.OBJECT_INDEX: "drop_index", enums.ObjectType.OBJECT_VIEW: "drop_view",
    enums.ObjectType.OBJECT_MATVIEW: "drop_view", enums.ObjectType.OBJECT_SCHEMA: "drop_schema",
}


def _statement_ops(stmt: Any, start: int, end: int) -> list[SqlOp]:
    """One parsed statement -> its operations (a DROP of three tables is three)."""
    base = dict(start=start, end=end)
    if isinstance(stmt, ast.DropStmt):
        kind = _DROP_KIND.get(stmt.removeType, "drop_other")
        ops = []
        for obj in stmt.objects or ():
            name, schema = _dotted(obj)
            attrs = {"if_exists": bool(stmt.missing_ok), "cascade": stmt.behavior == enums.DropBehavior.DROP_CASCADE,
                     "concurrently": bool(stmt.concurrent), "materialized": stmt.removeType == enums.ObjectType.OBJECT_MATVIEW,
                     "object_type": stmt.removeType.name.removeprefix("OBJECT_").lower()}
            if kind in ("drop_table",):
                ops.append(SqlOp(kind, table=name, schema=schema, attrs=attrs, **base))
            else:
                ops.append(SqlOp(kind, target=name, schema=schema, attrs=attrs, **base))
        return ops
    if isinstance(stmt, ast.DropdbStmt):
        return [SqlOp("drop_database", target=stmt.dbname, attrs={"if_exists": bool(stmt.missing_ok)}, **base)]
    if isinstance(stmt, ast.TruncateStmt):
        cascade = stmt.behavior == enums.DropBehavior.DROP_CASCADE
        return [SqlOp("truncate", table=r.relname, schema=r.schemaname, attrs={"cascade": cascade}, **base)
                for r in stmt.relations or ()]
    if isinstance(stmt, ast.DeleteStmt):
        table, schema = _name(stmt.relation)
        return [SqlOp("delete", table=table, schema=schema, attrs={"where": where_kind(stmt.whereClause)}, **base)]
    if isinstance(stmt, ast.UpdateStmt):
        table, schema = _name(stmt.relation)
        columns = tuple(t.name for t in stmt.targetList or () if getattr(t, "name", None))
        return [SqlOp("update", table=table, schema=schema,
                      attrs={"where": where_kind(stmt.whereClause), "columns": columns}, **base)]
    if isinstance(stmt, ast.AlterTableStmt):
        return _alter_table(stmt, start, end)
    if isinstance(stmt, ast.RenameStmt):
        O = enums.ObjectType
        table, schema = _name(stmt.relation)
        if stmt.renameType == O.OBJECT_TABLE:
            return [SqlOp("rename_table", table=table, schema=schema, target=stmt.newname, **base)]
        if stmt.renameType == O.OBJECT_COLUMN:
            return [SqlOp("rename_column", table=table, schema=schema, target=stmt.subname,
                          attrs={"new_name": stmt.newname}, **base)]
        return [SqlOp("other_sql", table=table, schema=schema, attrs={"node": "RenameStmt"}, **base)]
    if isinstance(stmt, ast.IndexStmt):
        table, schema = _name(stmt.relation)
        return [SqlOp("create_index", table=table, schema=schema, target=stmt.idxname,
                      attrs={"concurrently": bool(stmt.concurrent), "unique": bool(stmt.unique)}, **base)]
    if isinstance(stmt, ast.CreateStmt):
        table, schema = _name(stmt.relation)
        return [SqlOp("create_table", table=table, schema=schema, **base)]
    if isinstance(stmt, ast.ViewStmt):
        name, schema = _name(stmt.view)
        return [SqlOp("create_view", target=name, schema=schema, attrs={"materialized": False}, **base)]
    if isinstance(stmt, ast.CreateTableAsStmt):
        name, schema = _name(stmt.into.rel if stmt.into else None)
        if stmt.objtype == enums.ObjectType.OBJECT_MATVIEW:
            return [SqlOp("create_view", target=name, schema=schema, attrs={"materialized": True}, **base)]
        return [SqlOp("create_table", table=name, schema=schema, **base)]
    if isinstance(stmt, ast.TransactionStmt):  # BEGIN, COMMIT...: "begin", "commit", "rollback"...
        kind = enums.TransactionStmtKind(stmt.kind).name.removeprefix("TRANS_STMT_").lower()
        return [SqlOp("other_sql", attrs={"node": "TransactionStmt", "transaction": kind}, **base)]
    return [SqlOp("other_sql", attrs={"node": type(stmt).__name__}, **base)]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a statement slice past whitespace, comments and the closing semicolon."""
    piece = text[start:end]
    lead = re.match(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", piece, re.S)
    start += lead.end() if lead else 0
    while end > start and (text[end - 1].isspace() or text[end - 1] == ";"):
        end -= 1
    return start, end


@lru_cache(maxsize=2048)
def analyse(text: str, token: str | None = None) -> SqlAnalysis:
    """Every operation in ``text``; comments holding ``token`` are returned for bypass matching."""
    ops: list[SqlOp] = []
    statements: list[tuple[int, int]] = []
    for start, end, stmt, error in _statements(text):
        start, end = _trim(text, start, end)
        if start >= end:
            continue
        statements.append((start, end))
        if stmt is None:
            ops.extend(_fallback(text, start, end, error))
        elif isinstance(stmt, ast.DoStmt):
            from validator.parse.plpgsql import do_block

            ops.extend(do_block(stmt, text, start, end, analyse))
        else:
            ops.extend(_statement_ops(stmt, start, end))
    comments = _comments(text, token) if token and token in text else ()
    return SqlAnalysis(tuple(ops), tuple(statements), comments)


_BIND = re.compile(r"(?<![:\w]):(?=[A-Za-z_])")


def _statements(text: str):
    """(start, end, parsed statement or None, parser error) for each statement."""
    # ``:name`` bind parameters of sa.text() are not PostgreSQL; ``_name`` keeps every offset
    text = _BIND.sub("_", text)
    try:
        raw = pglast.parse_sql(text)
    except pglast.parser.ParseError:
        raw = None
    except Exception:  # noqa: BLE001 - the C parser can reject odd input in other ways
        raw = None
    if raw is not None:
        for rs in raw:
            start = rs.stmt_location or 0
            yield start, start + rs.stmt_len if rs.stmt_len else len(text), rs.stmt, None
        return
    try:
        slices = pglast.parser.split(text, with_parser=False, only_slices=True)
    except Exception:  # noqa: BLE001 - even the scanner failed: one unreadable piece
        slices = [slice(0, len(text))]
    for sl in slices:
        piece = text[sl.start:sl.stop]
        try:
            parsed = pglast.parse_sql(piece)
        except Exception as exc:  # noqa: BLE001
            yield sl.start, sl.stop, None, str(exc.args[0] if getattr(exc, "args", None) else exc)
            continue
        for rs in parsed:
            start = rs.stmt_location or 0
            end = start + rs.stmt_len if rs.stmt_len else len(piece)
            yield sl.start + start, sl.start + end, rs.stmt, None


def _fallback(text: str, start: int, end: int, error: str | None) -> list[SqlOp]:
    """pglast rejected the statement: sqlparse reads its shape, or it is reported unresolved."""
    from validator.parse.sqlfallback import classify  # sqlparse is slow to import and rarely needed

    found = classify(text[start:end])
    if found:
        return [SqlOp(kind, start=start, end=end, table=table, target=target,
                      attrs={**attrs, "parser": "sqlparse"}) for kind, table, target, attrs in found]
    return [SqlOp("unresolved_sql", start=start, end=end,
                  attrs={"reason": f"PostgreSQL's parser rejects it ({error or 'syntax error'})"})]


def _comments(text: str, token: str) -> tuple[SqlComment, ...]:
    result = []
    try:
        tokens = pglast.parser.scan(text)
    except Exception:  # noqa: BLE001
        tokens = []
    for tok in tokens:
        if tok.name not in ("SQL_COMMENT", "C_COMMENT"):
            continue
        start, end = tok.start, tok.end + 1  # scan's end is inclusive
        body = text[start:end]
        if token not in body:
            continue
        line_start = text.rfind("\n", 0, start) + 1
        result.append(SqlComment(start, body, own_line=not text[line_start:start].strip()))
    return tuple(result)
