"""SQL text -> operations, with the PostgreSQL parser (pglast) and sqlparse as the fallback.

Offsets in and out are character offsets into the text. Comments and string
literals inside SQL never become operations: only the parser's statements do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pglast

from validator.parse.pgnode import Node, const, function_names, parse, volatile


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


def _name(rv: Node | None) -> tuple[str | None, str | None]:
    if not isinstance(rv, Node):
        return None, None
    return rv.relname, rv.schemaname


def _dotted(obj: Node) -> tuple[str | None, str | None]:
    """A DROP object: a String, or a List of Strings (schema, name)."""
    if obj.type == "String":
        return obj.sval, None
    parts = [p.sval for p in (obj.items or []) if p.type == "String"] if obj.type == "List" else []
    if not parts:
        return None, None
    return parts[-1], (parts[-2] if len(parts) > 1 else None)


_COMPARE = {"=": lambda a, b: a == b, "<>": lambda a, b: a != b, "!=": lambda a, b: a != b,
            "<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def truth(node: Node | None) -> bool | None:
    """The value of a WHERE clause that does not depend on any row, else None."""
    ok, value = const(node)
    if ok:
        return value if isinstance(value, bool) else None
    if not isinstance(node, Node):
        return None
    if node.type == "BoolExpr":
        values = [truth(a) for a in node.args or []]
        if node.boolop == "NOT_EXPR":
            return None if not values or values[0] is None else not values[0]
        if node.boolop == "AND_EXPR":
            return False if False in values else (True if all(v is True for v in values) else None)
        return True if True in values else (False if all(v is False for v in values) else None)
    if node.type == "A_Expr" and node.kind == "AEXPR_OP" and node.name:
        op = node.name[-1].sval
        if op not in _COMPARE:
            return None
        lok, left = const(node.lexpr)
        rok, right = const(node.rexpr)
        if lok and rok and left is not None and right is not None:
            try:
                return bool(_COMPARE[op](left, right))
            except TypeError:
                return None
        left_ref, right_ref = node.lexpr, node.rexpr
        same = (isinstance(left_ref, Node) and isinstance(right_ref, Node) and left_ref.type == "ColumnRef"
                and right_ref.type == "ColumnRef" and left_ref.data.get("fields") == right_ref.data.get("fields"))
        return True if same and op in ("=", "<=", ">=") else None
    if node.type == "NullTest":
        ok, value = const(node.arg)
        if ok:
            is_null = value is None
            return is_null if node.nulltesttype == "IS_NULL" else not is_null
    return None


def where_kind(node: Node | None) -> str:
    if node is None:
        return "none"
    return "constant_true" if truth(node) is True else "filtered"


@lru_cache(maxsize=1024)
def expression_functions(expression: str) -> tuple[str, ...] | None:
    """Function names called in an SQL expression such as a server default; None if unreadable."""
    try:
        statements = list(parse("SELECT " + expression))
    except Exception:  # noqa: BLE001 - pglast.parser.ParseError or the C parser's other complaints
        return None
    return function_names(statements[0][2]) if statements else None


def _type_name(type_name: Node | None) -> str | None:
    return ".".join(n.sval for n in (type_name.names or [])) if isinstance(type_name, Node) else None


def _column_facts(col: Node) -> dict[str, Any]:
    constraints = col.constraints or []
    kinds = {c.contype for c in constraints}
    default = next((c.raw_expr for c in constraints if c.contype == "CONSTR_DEFAULT"), None)
    functions = function_names(default) if default is not None else ()
    return {
        "nullable": not (col.is_not_null or "CONSTR_NOTNULL" in kinds or "CONSTR_PRIMARY" in kinds),
        "has_default": default is not None or "CONSTR_IDENTITY" in kinds,
        "default_volatile": bool(volatile(functions)) or "CONSTR_GENERATED" in kinds,
        "default_functions": functions,
        "volatile_functions": volatile(functions),
        "foreign_key": "CONSTR_FOREIGN" in kinds,
        "unique": "CONSTR_UNIQUE" in kinds or "CONSTR_PRIMARY" in kinds,
        "type": _type_name(col.typeName),
        "identity": "CONSTR_IDENTITY" in kinds,
        "generated_stored": "CONSTR_GENERATED" in kinds,
        "referenced_table": next((_name(c.pktable)[0] for c in constraints
                                  if c.contype == "CONSTR_FOREIGN" and c.pktable is not None), None),
    }


_CONSTRAINT = {
    "CONSTR_FOREIGN": "foreign_key", "CONSTR_CHECK": "check", "CONSTR_UNIQUE": "unique",
    "CONSTR_PRIMARY": "primary_key", "CONSTR_EXCLUSION": "exclusion", "CONSTR_NOTNULL": "not_null",
}
_COLUMN_CHANGES = ("AT_SetNotNull", "AT_DropNotNull", "AT_AlterColumnType", "AT_ColumnDefault")


def _alter_table(stmt: Node, start: int, end: int) -> list[SqlOp]:
    table, schema = _name(stmt.relation)
    relkind = (stmt.objtype or "OBJECT_TABLE").removeprefix("OBJECT_").lower()
    ops = []
    for cmd in stmt.cmds or []:
        sub, definition = cmd.subtype, cmd.def_
        base = dict(start=start, end=end, table=table, schema=schema)
        if sub == "AT_DropColumn":
            ops.append(SqlOp("drop_column", target=cmd.name, attrs={"if_exists": bool(cmd.missing_ok)}, **base))
        elif sub == "AT_DropConstraint":
            ops.append(SqlOp("drop_constraint", target=cmd.name, **base))
        elif sub == "AT_AddColumn" and isinstance(definition, Node) and definition.type == "ColumnDef":
            ops.append(SqlOp("add_column", target=definition.colname, attrs=_column_facts(definition), **base))
        elif sub == "AT_AddConstraint" and isinstance(definition, Node) and definition.type == "Constraint":
            ops.append(SqlOp("add_constraint", target=definition.conname, attrs={
                "constraint_type": _CONSTRAINT.get(definition.contype, "other"),
                "not_valid": bool(definition.skip_validation), "using_index": bool(definition.indexname),
                "referenced_table": _name(definition.pktable)[0]}, **base))
        elif sub in _COLUMN_CHANGES:
            attrs = {"set_not_null": sub == "AT_SetNotNull", "drop_not_null": sub == "AT_DropNotNull",
                     "type_change": sub == "AT_AlterColumnType", "set_default": sub == "AT_ColumnDefault"}
            if sub == "AT_AlterColumnType" and isinstance(definition, Node) and definition.typeName:
                attrs["new_type"] = _type_name(definition.typeName)
                attrs["using"] = definition.raw_default is not None
            if sub == "AT_ColumnDefault" and definition is not None:
                attrs["default_volatile"] = bool(volatile(function_names(definition)))
            ops.append(SqlOp("alter_column", target=cmd.name, **base, attrs=attrs))
        else:
            ops.append(SqlOp("alter_table", target=cmd.name, attrs={"action": sub, "relkind": relkind}, **base))
    return ops


_DROP_KIND = {
    "OBJECT_TABLE": "drop_table", "OBJECT_FOREIGN_TABLE": "drop_table", "OBJECT_INDEX": "drop_index",
    "OBJECT_VIEW": "drop_view", "OBJECT_MATVIEW": "drop_view", "OBJECT_SCHEMA": "drop_schema",
}


def _statement_ops(stmt: Node, start: int, end: int) -> list[SqlOp]:
    """One parsed statement -> its operations (a DROP of three tables is three)."""
    base = dict(start=start, end=end)
    kind = stmt.type
    if kind == "DropStmt":
        remove = stmt.removeType or ""
        op_kind = _DROP_KIND.get(remove, "drop_other")
        ops = []
        for obj in stmt.objects or []:
            name, schema = _dotted(obj)
            attrs = {"if_exists": bool(stmt.missing_ok), "cascade": stmt.behavior == "DROP_CASCADE",
                     "concurrently": bool(stmt.concurrent), "materialized": remove == "OBJECT_MATVIEW",
                     "object_type": remove.removeprefix("OBJECT_").lower()}
            if op_kind == "drop_table":
                ops.append(SqlOp(op_kind, table=name, schema=schema, attrs=attrs, **base))
            else:
                ops.append(SqlOp(op_kind, target=name, schema=schema, attrs=attrs, **base))
        return ops
    if kind == "DropdbStmt":
        return [SqlOp("drop_database", target=stmt.dbname, attrs={"if_exists": bool(stmt.missing_ok)}, **base)]
    if kind == "TruncateStmt":
        cascade = stmt.behavior == "DROP_CASCADE"
        return [SqlOp("truncate", table=r.relname, schema=r.schemaname, attrs={"cascade": cascade}, **base)
                for r in stmt.relations or []]
    if kind == "DeleteStmt":
        table, schema = _name(stmt.relation)
        return [SqlOp("delete", table=table, schema=schema, attrs={"where": where_kind(stmt.whereClause)}, **base)]
    if kind == "UpdateStmt":
        table, schema = _name(stmt.relation)
        columns = tuple(t.name for t in stmt.targetList or [] if t.name)
        return [SqlOp("update", table=table, schema=schema,
                      attrs={"where": where_kind(stmt.whereClause), "columns": columns}, **base)]
    if kind == "AlterTableStmt":
        return _alter_table(stmt, start, end)
    if kind == "RenameStmt":
        table, schema = _name(stmt.relation)
        if stmt.renameType == "OBJECT_TABLE":
            return [SqlOp("rename_table", table=table, schema=schema, target=stmt.newname, **base)]
        if stmt.renameType == "OBJECT_COLUMN":
            return [SqlOp("rename_column", table=table, schema=schema, target=stmt.subname,
                          attrs={"new_name": stmt.newname}, **base)]
        return [SqlOp("other_sql", table=table, schema=schema, attrs={"node": "RenameStmt"}, **base)]
    if kind == "IndexStmt":
        table, schema = _name(stmt.relation)
        return [SqlOp("create_index", table=table, schema=schema, target=stmt.idxname,
                      attrs={"concurrently": bool(stmt.concurrent), "unique": bool(stmt.unique)}, **base)]
    if kind == "CreateStmt":
        table, schema = _name(stmt.relation)
        return [SqlOp("create_table", table=table, schema=schema, **base)]
    if kind == "ViewStmt":
        name, schema = _name(stmt.view)
        return [SqlOp("create_view", target=name, schema=schema, attrs={"materialized": False}, **base)]
    if kind == "CreateTableAsStmt":
        into = stmt.into
        name, schema = _name(into.rel if isinstance(into, Node) else None)
        if stmt.objtype == "OBJECT_MATVIEW":
            return [SqlOp("create_view", target=name, schema=schema, attrs={"materialized": True}, **base)]
        return [SqlOp("create_table", table=name, schema=schema, **base)]
    if kind == "TransactionStmt":  # BEGIN, COMMIT...: "begin", "commit", "rollback"...
        transaction = (stmt.kind or "TRANS_STMT_BEGIN").removeprefix("TRANS_STMT_").lower()
        return [SqlOp("other_sql", attrs={"node": "TransactionStmt", "transaction": transaction}, **base)]
    return [SqlOp("other_sql", attrs={"node": kind}, **base)]


_LEADING = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.S)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a statement slice past whitespace, comments and the closing semicolon."""
    lead = _LEADING.match(text, start, end)
    start = lead.end() if lead else start
    while end > start and (text[end - 1].isspace() or text[end - 1] == ";"):
        end -= 1
    return start, end


@lru_cache(maxsize=4096)
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
        elif stmt.type == "DoStmt":
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
    if ":" in text:
        text = _BIND.sub("_", text)
    try:
        parsed = list(parse(text))
    except Exception:  # noqa: BLE001 - pglast.parser.ParseError, or the C parser's other complaints
        parsed = None
    if parsed is not None:
        for start, end, stmt in parsed:
            yield start, end, stmt, None
        return
    try:
        slices = pglast.parser.split(text, with_parser=False, only_slices=True)
    except Exception:  # noqa: BLE001 - even the scanner failed: one unreadable piece
        slices = [slice(0, len(text))]
    for sl in slices:
        piece = text[sl.start:sl.stop]
        try:
            pieces = list(parse(piece))
        except Exception as exc:  # noqa: BLE001
            yield sl.start, sl.stop, None, str(exc.args[0] if getattr(exc, "args", None) else exc)
            continue
        for start, end, stmt in pieces:
            yield sl.start + start, sl.start + end, stmt, None


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
