"""SQL text -> operations, with the PostgreSQL parser (pglast) and sqlparse as the fallback.

Offsets in and out are character offsets into the text. Comments and string
literals inside SQL never become operations: only the parser's statements do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pglast

from ..model import OpKind, Operation, Where
from .located import Located
from .pgnode import Node, const, function_names, parse, volatile
from .plpgsql import do_block, function_body
from .where import where_kind


@dataclass(frozen=True)
class SqlComment:
    start: int
    text: str
    own_line: bool


@dataclass(frozen=True)
class SqlAnalysis:
    ops: tuple[Located, ...]
    statements: tuple[tuple[int, int], ...]  # (start, end) of each statement
    comments: tuple[SqlComment, ...] = ()


def _name(rv: Node | None) -> tuple[str | None, str | None]:
    if not isinstance(rv, Node):
        return None, None
    return rv.relname, rv.schemaname


def _dotted(obj: Node) -> tuple[str | None, str | None]:
    """A DROP object: a String, a List of Strings (schema, name), a TypeName or a function's ObjectWithArgs."""
    if obj.type == "String":
        return obj.sval, None
    names = {"List": obj.items, "TypeName": obj.names, "ObjectWithArgs": obj.objname}.get(obj.type) or []
    parts = [p.sval for p in names if isinstance(p, Node) and p.type == "String"]
    if not parts:
        return None, None
    return parts[-1], (parts[-2] if len(parts) > 1 else None)


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


def _type_with_modifiers(type_name: Node | None) -> str | None:
    """``varchar(20)``, ``numeric(12,2)``: the name and its integer modifiers, which decide a rewrite."""
    name = _type_name(type_name)
    if name is None or not type_name.typmods:
        return name
    mods = [m.ival.ival if isinstance(m.ival, Node) else 0 for m in type_name.typmods
            if isinstance(m, Node) and m.type == "A_Const"]
    return f"{name}({','.join(str(m) for m in mods)})"


def _column_facts(col: Node) -> dict[str, Any]:
    """``Operation`` fields of a column definition."""
    constraints = col.constraints or []
    kinds = {c.contype for c in constraints}
    default = next((c.raw_expr for c in constraints if c.contype == "CONSTR_DEFAULT"), None)
    functions = function_names(default) if default is not None else ()
    return {
        "nullable": not (col.is_not_null or "CONSTR_NOTNULL" in kinds or "CONSTR_PRIMARY" in kinds),
        "has_default": default is not None or "CONSTR_IDENTITY" in kinds,
        "volatile_default": bool(volatile(functions)) or "CONSTR_GENERATED" in kinds,
        "volatile_functions": volatile(functions),
        "foreign_key": "CONSTR_FOREIGN" in kinds,
        "unique": "CONSTR_UNIQUE" in kinds or "CONSTR_PRIMARY" in kinds,
        "column_type": _type_with_modifiers(col.typeName),
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
# the parser's object types in ``ObjectRef.kind`` words, where they differ
_OBJECT_TYPE = {"matview": "materialized_view", "foreign_table": "table"}


def _object_type(objtype: str | None) -> str:
    word = (objtype or "OBJECT_TABLE").removeprefix("OBJECT_").lower()
    return _OBJECT_TYPE.get(word, word)


def _alter_table(stmt: Node) -> list[Operation]:
    table, schema = _name(stmt.relation)
    object_type = _object_type(stmt.objtype)
    ops = []
    for cmd in stmt.cmds or []:
        sub, definition = cmd.subtype, cmd.def_
        if sub == "AT_DropColumn":
            ops.append(Operation(OpKind.DROP_COLUMN, table, schema, cmd.name, if_exists=bool(cmd.missing_ok)))
        elif sub == "AT_DropConstraint":
            ops.append(Operation(OpKind.DROP_CONSTRAINT, table, schema, cmd.name))
        elif sub == "AT_AddColumn" and isinstance(definition, Node) and definition.type == "ColumnDef":
            ops.append(Operation(OpKind.ADD_COLUMN, table, schema, definition.colname, **_column_facts(definition)))
        elif sub == "AT_AddConstraint" and isinstance(definition, Node) and definition.type == "Constraint":
            ops.append(Operation(OpKind.ADD_CONSTRAINT, table, schema, definition.conname,
                                 constraint_type=_CONSTRAINT.get(definition.contype, "other"),
                                 not_valid=bool(definition.skip_validation),
                                 using_index=bool(definition.indexname),
                                 referenced_table=_name(definition.pktable)[0]))
        elif sub == "AT_DetachPartition" and isinstance(definition, Node):
            ops.append(Operation(OpKind.DETACH_PARTITION, table, schema, _name(definition.name)[0],
                                 concurrently=bool(definition.concurrent)))
        elif sub == "AT_ValidateConstraint":
            ops.append(Operation(OpKind.VALIDATE_CONSTRAINT, table, schema, cmd.name))
        elif sub in _COLUMN_CHANGES:
            change: dict[str, Any] = {"set_not_null": sub == "AT_SetNotNull", "drop_not_null": sub == "AT_DropNotNull",
                                      "type_change": sub == "AT_AlterColumnType",
                                      "set_default": sub == "AT_ColumnDefault"}
            if sub == "AT_AlterColumnType" and isinstance(definition, Node) and definition.typeName:
                change["new_type"] = _type_with_modifiers(definition.typeName)
            if sub == "AT_ColumnDefault" and definition is not None:
                change["volatile_default"] = bool(volatile(function_names(definition)))
            ops.append(Operation(OpKind.ALTER_COLUMN, table, schema, cmd.name, **change))
        else:
            ops.append(Operation(OpKind.ALTER_TABLE, table, schema, cmd.name, object_type=object_type))
    return ops


_DROP_KIND = {
    "OBJECT_TABLE": OpKind.DROP_TABLE, "OBJECT_FOREIGN_TABLE": OpKind.DROP_TABLE, "OBJECT_INDEX": OpKind.DROP_INDEX,
    "OBJECT_VIEW": OpKind.DROP_VIEW, "OBJECT_MATVIEW": OpKind.DROP_VIEW, "OBJECT_SCHEMA": OpKind.DROP_SCHEMA,
}
# statements that change the schema without an operation kind of their own (CREATE FUNCTION, GRANT...)
_DDL_NODES = ("Create", "Alter", "Rename", "Drop", "Define", "Comment", "Grant", "Rule")


def _statement_ops(stmt: Node) -> list[Operation]:
    """One parsed statement -> its operations (a DROP of three tables is three)."""
    kind = stmt.type
    if kind == "DropStmt":
        remove = stmt.removeType or ""
        op_kind = _DROP_KIND.get(remove, OpKind.DROP_OTHER)
        facts = {"if_exists": bool(stmt.missing_ok), "cascade": stmt.behavior == "DROP_CASCADE",
                 "concurrently": bool(stmt.concurrent), "materialized": remove == "OBJECT_MATVIEW"}
        if op_kind is OpKind.DROP_OTHER:
            facts["object_type"] = _object_type(remove)
        ops = []
        for obj in stmt.objects or []:
            name, schema = _dotted(obj)
            if op_kind is OpKind.DROP_TABLE:
                ops.append(Operation(op_kind, name, schema, **facts))
            else:
                ops.append(Operation(op_kind, None, schema, name, **facts))
        return ops
    if kind == "DropdbStmt":
        return [Operation(OpKind.DROP_DATABASE, target=stmt.dbname, if_exists=bool(stmt.missing_ok))]
    if kind == "TruncateStmt":
        cascade = stmt.behavior == "DROP_CASCADE"
        return [Operation(OpKind.TRUNCATE, r.relname, r.schemaname, cascade=cascade) for r in stmt.relations or []]
    if kind in _DML:
        return _data_modifying_ctes(stmt) + _dml(stmt)
    if kind == "DropOwnedStmt":
        roles = ", ".join(r.rolename or r.roletype or "?" for r in stmt.roles or [])
        return [Operation(OpKind.DROP_OWNED, target=roles, cascade=stmt.behavior == "DROP_CASCADE")]
    if kind == "CallStmt":
        call = stmt.funccall
        return [Operation(OpKind.CALL_FUNCTION, target=_function_name(call.funcname if call else None))]
    if kind == "AlterTableStmt":
        return _alter_table(stmt)
    if kind == "RenameStmt":
        table, schema = _name(stmt.relation)
        if stmt.renameType == "OBJECT_TABLE":
            return [Operation(OpKind.RENAME_TABLE, table, schema, stmt.newname)]
        if stmt.renameType == "OBJECT_COLUMN":
            return [Operation(OpKind.RENAME_COLUMN, table, schema, stmt.subname, new_name=stmt.newname)]
        return [Operation(OpKind.OTHER_SQL, table, schema, schema_change=True)]
    if kind == "IndexStmt":
        table, schema = _name(stmt.relation)
        return [Operation(OpKind.CREATE_INDEX, table, schema, stmt.idxname, concurrently=bool(stmt.concurrent),
                          unique=bool(stmt.unique))]
    if kind == "CreateStmt":
        table, schema = _name(stmt.relation)
        elements = [e for e in stmt.tableElts or [] if isinstance(e, Node)]
        columns = [c for c in elements if c.type == "ColumnDef"]
        primary = [c.colname for c in columns
                   if any(k.contype == "CONSTR_PRIMARY" for k in c.constraints or [] if isinstance(k, Node))]
        primary += [key.sval for e in elements if e.type == "Constraint" and e.contype == "CONSTR_PRIMARY"
                    for key in e.keys or [] if isinstance(key, Node)]
        return [Operation(OpKind.CREATE_TABLE, table, schema, primary_key=tuple(primary),
                          column_types=tuple((c.colname, _type_with_modifiers(c.typeName)) for c in columns))]
    if kind == "ViewStmt":
        name, schema = _name(stmt.view)
        return [Operation(OpKind.CREATE_VIEW, None, schema, name)]
    if kind == "CreateTableAsStmt":
        into = stmt.into
        name, schema = _name(into.rel if isinstance(into, Node) else None)
        if stmt.objtype == "OBJECT_MATVIEW":
            return [Operation(OpKind.CREATE_VIEW, None, schema, name, materialized=True)]
        return [Operation(OpKind.CREATE_TABLE, name, schema)]
    return _maintenance_ops(stmt) or [Operation(OpKind.OTHER_SQL, schema_change=kind.startswith(_DDL_NODES))]


def _has_option(options: list | None, name: str) -> bool:
    return any(isinstance(o, Node) and o.defname == name for o in options or [])


def _maintenance_ops(stmt: Node) -> list[Operation]:
    """REINDEX, VACUUM, CLUSTER, REFRESH MATERIALIZED VIEW, ALTER TYPE ... ADD VALUE and SET."""
    kind = stmt.type
    if kind == "ReindexStmt":
        object_type = (stmt.kind or "REINDEX_OBJECT_INDEX").removeprefix("REINDEX_OBJECT_").lower()
        name, schema = _name(stmt.relation)
        if name is None:
            name = stmt.name
        return [Operation(OpKind.REINDEX, name if object_type == "table" else None, schema, name,
                          object_type=object_type, concurrently=_has_option(stmt.params, "concurrently"))]
    if kind == "VacuumStmt" and stmt.is_vacuumcmd:
        full = _has_option(stmt.options, "full")
        relations = [r.relation for r in stmt.rels or [] if isinstance(r, Node)]
        return [Operation(OpKind.VACUUM, *_name(r), full=full) for r in relations] or \
            [Operation(OpKind.VACUUM, full=full)]
    if kind == "ClusterStmt":
        table, schema = _name(stmt.relation)
        return [Operation(OpKind.CLUSTER, table, schema, stmt.indexname)]
    if kind == "RefreshMatViewStmt":
        name, schema = _name(stmt.relation)
        return [Operation(OpKind.REFRESH_VIEW, None, schema, name, materialized=True,
                          concurrently=bool(stmt.concurrent))]
    if kind == "AlterEnumStmt" and stmt.newVal and not stmt.oldVal:  # ADD VALUE, not RENAME VALUE
        name, schema = _dotted(Node("List", {"items": stmt.data.get("typeName") or []}))
        return [Operation(OpKind.ADD_ENUM_VALUE, None, schema, name, enum_value=stmt.newVal,
                          if_exists=bool(stmt.skipIfNewValExists))]
    if kind == "VariableSetStmt" and stmt.name and stmt.kind in ("VAR_SET_VALUE", "VAR_SET_DEFAULT", "VAR_RESET"):
        ok, value = const(stmt.args[0]) if stmt.kind == "VAR_SET_VALUE" and stmt.args else (False, None)
        return [Operation(OpKind.SET_SETTING, target=stmt.name.lower(), value=str(value) if ok else None,
                          set_default=stmt.kind != "VAR_SET_VALUE")]
    return []


_DML = ("DeleteStmt", "UpdateStmt", "InsertStmt", "SelectStmt")


def _dml(stmt: Node) -> list[Operation]:
    kind = stmt.type
    if kind == "DeleteStmt":
        table, schema = _name(stmt.relation)
        return [Operation(OpKind.DELETE, table, schema, where=where_kind(stmt.whereClause, stmt.relation))]
    if kind == "UpdateStmt":
        table, schema = _name(stmt.relation)
        columns = tuple(t.name for t in stmt.targetList or [] if t.name)
        return [Operation(OpKind.UPDATE, table, schema, where=where_kind(stmt.whereClause, stmt.relation),
                          columns=columns)]
    if kind == "SelectStmt":
        # ``SELECT purge()``: a function the revision creates may run here
        called = dict.fromkeys(function_names(stmt))
        return [Operation(OpKind.CALL_FUNCTION, target=name) for name in called] or \
            [Operation(OpKind.OTHER_SQL)]
    return [Operation(OpKind.OTHER_SQL)]


def _data_modifying_ctes(stmt: Node) -> list[Operation]:
    """``WITH gone AS (DELETE FROM t RETURNING *) INSERT ...``: the statements inside the WITH run too."""
    clause = stmt.withClause
    if not isinstance(clause, Node):
        return []
    ops: list[Operation] = []
    for cte in clause.ctes or []:
        query = cte.ctequery
        if isinstance(query, Node) and query.type in _DML:
            ops.extend(op for op in _statement_ops(query) if op.kind is not OpKind.OTHER_SQL)
    return ops


def _function_name(funcname: list | None) -> str | None:
    parts = [p.sval for p in funcname or [] if isinstance(p, Node) and p.type == "String"]
    return parts[-1].lower() if parts else None


_LEADING = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.S)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a statement slice past whitespace, comments and the closing semicolon."""
    lead = _LEADING.match(text, start, end)
    start = lead.end() if lead else start
    while end > start and (text[end - 1].isspace() or text[end - 1] == ";"):
        end -= 1
    return start, end


@lru_cache(maxsize=4096)
def analyse(text: str, token: str | None = None, dialect: str = "postgresql") -> SqlAnalysis:
    """Every operation in ``text``; comments holding ``token`` are returned for bypass matching.

    ``dialect`` is the configured database: text PostgreSQL rejects that is another database's SQL
    never becomes a finding (see ``sqlfallback``)."""
    ops: list[Located] = []
    statements: list[tuple[int, int]] = []
    for start, end, stmt, error in _statements(text):
        start, end = _trim(text, start, end)
        if start >= end:
            continue
        statements.append((start, end))
        if stmt is None:
            ops.extend(_fallback(text, start, end, error, dialect))
        elif stmt.type == "DoStmt":
            ops.extend(do_block(stmt, text, start, end, analyse))
        elif stmt.type == "CreateFunctionStmt":
            ops.append(Located(start, end, Operation(OpKind.OTHER_SQL, schema_change=True)))
            ops.extend(_function_ops(stmt, text, start, end))
        else:
            ops.extend(Located(start, end, op) for op in _statement_ops(stmt))
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


def _function_ops(stmt: Node, text: str, start: int, end: int) -> list[Located]:
    """The operations of a created function's body, each held until the revision calls the function."""
    name = _function_name(stmt.funcname)
    body_statements = stmt.sql_body
    if isinstance(body_statements, Node):  # BEGIN ATOMIC ... END: already parsed, placed at the whole statement
        inner = [s for group in body_statements.items or [] for s in (group.items or [])]
        found = [Located(start, end, op) for s in inner for op in _statement_ops(s)]
    else:
        found = function_body(stmt.options or [], text, start, end, analyse)
    return [Located(f.start, f.end, f.operation.placed(defined_in=f.operation.defined_in or name)) for f in found]


def _fallback(text: str, start: int, end: int, error: str | None, dialect: str) -> list[Located]:
    """pglast rejected the statement: sqlparse reads its shape, or it is reported unresolved."""
    from .sqlfallback import classify  # sqlparse is slow to import and rarely needed

    found = classify(text[start:end], dialect) or [
        Operation(OpKind.UNRESOLVED_SQL, reason=f"PostgreSQL's parser rejects it ({error or 'syntax error'})")]
    return [Located(start, end, op) for op in found]


_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$")
_BODY_KEYWORDS = frozenset({"DO", "FUNCTION", "PROCEDURE"})


def _comments(text: str, token: str, offset: int = 0, whole: str | None = None) -> tuple[SqlComment, ...]:
    """Comments holding ``token``, those inside dollar-quoted bodies (``DO``, functions) included."""
    whole = text if whole is None else whole
    result: list[SqlComment] = []
    try:
        tokens = pglast.parser.scan(text)
    except Exception:  # noqa: BLE001
        tokens = []
    holds_code = False  # the statement so far is a DO block or creates a function: its body is code
    for tok in tokens:
        if tok.name in _BODY_KEYWORDS:
            holds_code = True
        elif tok.name == "ASCII_59":
            holds_code = False
        start, end = tok.start, tok.end + 1  # scan's end is inclusive
        body = text[start:end]
        if token not in body:
            continue
        if tok.name == "SCONST" and holds_code:
            tag = _DOLLAR_TAG.match(body)
            if tag and body.endswith(tag.group(0)) and len(body) >= 2 * len(tag.group(0)):
                inner = body[len(tag.group(0)):len(body) - len(tag.group(0))]
                result += _comments(inner, token, offset + start + len(tag.group(0)), whole)
            continue
        if tok.name not in ("SQL_COMMENT", "C_COMMENT"):
            continue
        line_start = whole.rfind("\n", 0, offset + start) + 1
        result.append(SqlComment(offset + start, body, own_line=not whole[line_start:offset + start].strip()))
    return tuple(result)
