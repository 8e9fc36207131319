"""Alembic ``op.*`` and ``batch_op.*`` calls -> ``Operation`` values, by a signature table.

Each entry names the positional parameters of the method as Alembic defines them;
on a batch operation the table comes from ``batch_alter_table`` and is not an
argument, so the batch signature is the same list without it.
"""
from __future__ import annotations

import ast
from typing import Any, Callable

from ..model import OpKind, Operation
from .pgnode import volatile

# method -> (positional parameters on op, positional parameters on batch_op or None)
SIGNATURES: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "drop_table": (("table_name",), None),
    "drop_column": (("table_name", "column_name"), ("column_name",)),
    "drop_constraint": (("constraint_name", "table_name", "type_"), ("constraint_name", "type_")),
    "drop_index": (("index_name", "table_name"), ("index_name",)),
    "create_index": (("index_name", "table_name", "columns"), ("index_name", "columns")),
    "create_table": (("table_name",), None),
    "add_column": (("table_name", "column"), ("column",)),
    "alter_column": (("table_name", "column_name"), ("column_name",)),
    "rename_table": (("old_table_name", "new_table_name"), None),
    "create_foreign_key": (
        ("constraint_name", "source_table", "referent_table", "local_cols", "remote_cols"),
        ("constraint_name", "referent_table", "local_cols", "remote_cols"),
    ),
    "create_check_constraint": (("constraint_name", "table_name", "condition"), ("constraint_name", "condition")),
    "create_unique_constraint": (("constraint_name", "table_name", "columns"), ("constraint_name", "columns")),
    "create_primary_key": (("constraint_name", "table_name", "columns"), ("constraint_name", "columns")),
    "create_exclude_constraint": (("constraint_name", "table_name"), ("constraint_name",)),
    "execute": (("sqltext",), ("sqltext",)),
}

_CONSTRAINT_TYPE = {
    "create_foreign_key": "foreign_key", "create_check_constraint": "check",
    "create_unique_constraint": "unique", "create_primary_key": "primary_key",
    "create_exclude_constraint": "exclusion",
}


def bind(method: str, call: ast.Call, batch: bool) -> dict[str, ast.expr] | None:
    """Map parameter names to argument expressions; None for an unknown method."""
    if method not in SIGNATURES:
        return None
    params = SIGNATURES[method][1 if batch else 0]
    if params is None:
        return None
    bound: dict[str, ast.expr] = {}
    for name, arg in zip(params, call.args):
        if isinstance(arg, ast.Starred):
            break
        bound[name] = arg
    for kw in call.keywords:
        if kw.arg:
            bound[kw.arg] = kw.value
    if method == "create_table":  # its columns and constraints follow the name as positional arguments
        bound["*columns"] = ast.Tuple(elts=list(call.args[len(params):]), ctx=ast.Load())
    return bound


def truthy(expr: ast.expr | None) -> bool | None:
    """A literal True/False (or None when absent or not a literal)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, bool):
        return expr.value
    return None


def call_name(expr: ast.expr | None) -> str | None:
    """``sa.Column(...)`` -> ``Column``; ``text(...)`` -> ``text``."""
    if isinstance(expr, ast.Call):
        func = expr.func
        return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return None


def column_name_and_type(column: ast.Call, value: Callable[[ast.expr | None], str | None],
                         with_type: bool = True) -> tuple[str | None, str | None]:
    """The name and PostgreSQL type of an ``sa.Column(...)``: ``("name", "varchar(20)")``, None where unknown."""
    args = column.args
    named = bool(args) and isinstance(args[0], (ast.Constant, ast.Name, ast.JoinedStr, ast.Call)) \
        and call_name(args[0]) is None
    type_arg = args[1] if named and len(args) > 1 else args[0] if args and not named else None
    if type_arg is None:
        type_arg = next((k.value for k in column.keywords if k.arg == "type_"), None)
    first = args[0] if named else None
    name = first.value if type(first) is ast.Constant and type(first.value) is str else value(first) if named else None
    return name, sa_type(type_arg) if with_type else None


_SERIAL = {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}


def table_columns(elements: list[ast.expr], value: Callable[[ast.expr | None], str | None]) -> dict[str, Any]:
    """``column_types`` and ``primary_key`` of ``create_table``'s positional arguments.

    SQLAlchemy creates a lone integer primary key without ``Identity()``, ``autoincrement=False``
    or a server default as ``SERIAL`` (``BIGSERIAL``...): that is the type PostgreSQL gets.
    """
    columns = [(e, column_name_and_type(e, value)) for e in elements if call_name(e) == "Column"]
    primary = [name for e, (name, _) in columns if name and truthy(_keyword(e, "primary_key"))]
    for e in elements:
        if call_name(e) == "PrimaryKeyConstraint":
            primary += [value(a) for a in e.args if not isinstance(a, ast.Starred)]
    types = []
    for e, (name, type_) in columns:
        if not name:
            continue
        lone_key = primary == [name] and type_ in _SERIAL and _keyword(e, "server_default") is None \
            and truthy(_keyword(e, "autoincrement")) is not False \
            and not any(call_name(a) in ("Identity", "Sequence", "ForeignKey") for a in e.args)
        types.append((name, _SERIAL[type_] if lone_key else type_))
    return {"column_types": tuple(types), "primary_key": tuple(p for p in primary if p)}


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def column_facts(column: ast.expr | None, value: Callable[[ast.expr | None], str | None],
                 default_sql: Callable[[ast.expr], tuple[str, ...] | None], column_types: bool = False) -> dict[str, Any]:
    """``Operation`` fields of an ``sa.Column(...)`` argument: name (``target``), nullability, default, foreign key,
    and with ``column_types`` its type."""
    if call_name(column) != "Column":
        return {"target": value(column) if column is not None else None}
    assert isinstance(column, ast.Call)
    name, type_ = column_name_and_type(column, value, column_types)
    facts: dict[str, Any] = {"target": name}
    if type_:
        facts["column_type"] = type_
    args = list(column.args)
    kw = {k.arg: k.value for k in column.keywords if k.arg}
    if truthy(kw.get("primary_key")):
        facts["nullable"] = False
        facts["unique"] = True
    if truthy(kw.get("nullable")) is False:
        facts["nullable"] = False
    if truthy(kw.get("unique")):
        facts["unique"] = True
    default = kw.get("server_default")
    if default is not None and not (isinstance(default, ast.Constant) and default.value is None):
        facts["has_default"] = True
        facts["volatile_functions"] = volatile(default_sql(default))
        facts["volatile_default"] = bool(facts["volatile_functions"])
    for arg in args:
        name = call_name(arg)
        if name == "ForeignKey":
            facts["foreign_key"] = True
            target = value(arg.args[0]) if isinstance(arg, ast.Call) and arg.args else None
            if target and "." in target:
                facts["referenced_table"] = target.rsplit(".", 1)[0]
        elif name in ("Identity",):
            facts["has_default"] = True
            facts["identity"] = True
        elif name == "Computed":
            facts["has_default"] = True
            facts["volatile_default"] = truthy(next((k.value for k in arg.keywords if k.arg == "persisted"), None)) \
                is not False
            facts["generated_stored"] = facts["volatile_default"]
    return facts


# SQLAlchemy type classes -> the PostgreSQL type they create
_SA_TYPES = {
    "string": "varchar", "varchar": "varchar", "unicode": "varchar", "nvarchar": "varchar",
    "text": "text", "unicodetext": "text", "citext": "citext",
    "integer": "integer", "int": "integer", "biginteger": "bigint", "bigint": "bigint",
    "smallinteger": "smallint", "smallint": "smallint",
    "numeric": "numeric", "decimal": "numeric", "float": "double precision", "double": "double precision",
    "double_precision": "double precision", "real": "real", "boolean": "boolean",
    "date": "date", "time": "time", "interval": "interval", "char": "char", "uuid": "uuid", "uuid_": "uuid",
    "json": "json", "jsonb": "jsonb", "largebinary": "bytea", "bytea": "bytea",
}


def sa_type(expr: ast.expr | None) -> str | None:
    """The PostgreSQL type of a SQLAlchemy type argument (``sa.String(20)`` -> ``varchar(20)``); None if unknown.

    Only literal lengths, precisions and scales are read: anything else leaves the type unknown.
    """
    call = expr if type(expr) is ast.Call else None
    node = call.func if call is not None else expr
    kind = type(node)
    name = node.attr if kind is ast.Attribute else node.id if kind is ast.Name else None
    if name is None:
        return None
    key = name.lower()
    base = _SA_TYPES.get(key)
    if base is None:
        kw = {k.arg: k.value for k in call.keywords if k.arg} if call is not None else {}
        if key in ("datetime", "timestamp"):
            return "timestamptz" if truthy(kw.get("timezone")) else "timestamp"
        if key == "enum":  # a PostgreSQL enum is a type of its own, called by its name
            enum_name = kw.get("name")
            return enum_name.value.lower() if type(enum_name) is ast.Constant and type(enum_name.value) is str \
                else None
        return None
    if call is None or not (call.args or call.keywords):  # sa.Integer(), sa.Text: nothing more to read
        return base
    if any(type(a) is ast.Starred for a in call.args):
        return None
    names = ("precision", "scale") if base == "numeric" else ("length",)
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    given = [kw.get(n) for n in names]
    for place, arg in enumerate(call.args[:len(names)]):
        given[place] = arg
    mods = []
    for mod in given:
        if mod is None or (type(mod) is ast.Constant and mod.value is None):
            break
        if not (type(mod) is ast.Constant and type(mod.value) is int):
            return None
        mods.append(str(mod.value))
    return f"{base}({','.join(mods)})" if mods else base


def operation_for(method: str, args: dict[str, ast.expr], batch_table: tuple[str | None, str | None] | None,
                  value: Callable[[ast.expr | None], str | None],
                  default_sql: Callable[[ast.expr], tuple[str, ...] | None], *,
                  column_types: bool = False) -> Operation | None:
    """The operation an Alembic method performs, not yet placed; None for one that changes nothing we check.

    The caller places it in the file, with ``Origin.OP_CALL``. ``column_types``: also read the types of the
    columns ``create_table`` and ``add_column`` create (the history of a column's type needs them).
    """
    table, schema = batch_table if batch_table else (None, None)
    schema = value(args.get("schema")) if "schema" in args else schema

    def tbl(param: str) -> str | None:
        return table if batch_table else value(args.get(param))

    if method == "drop_table":
        return Operation(OpKind.DROP_TABLE, tbl("table_name"), schema,
                         if_exists=truthy(args.get("if_exists")) or False)
    if method == "drop_column":
        return Operation(OpKind.DROP_COLUMN, tbl("table_name"), schema, value(args.get("column_name")))
    if method == "drop_constraint":
        return Operation(OpKind.DROP_CONSTRAINT, tbl("table_name"), schema, value(args.get("constraint_name")),
                         constraint_type=value(args.get("type_")))
    if method == "drop_index":
        return Operation(OpKind.DROP_INDEX, tbl("table_name"), schema, value(args.get("index_name")),
                         concurrently=bool(truthy(args.get("postgresql_concurrently"))))
    if method == "create_index":
        return Operation(OpKind.CREATE_INDEX, tbl("table_name"), schema, value(args.get("index_name")),
                         concurrently=bool(truthy(args.get("postgresql_concurrently"))),
                         unique=bool(truthy(args.get("unique"))))
    if method == "create_table":
        if not column_types:
            return Operation(OpKind.CREATE_TABLE, tbl("table_name"), schema)
        columns = args.get("*columns")
        return Operation(OpKind.CREATE_TABLE, tbl("table_name"), schema,
                         **table_columns(columns.elts if isinstance(columns, ast.Tuple) else [], value))
    if method == "add_column":
        return Operation(OpKind.ADD_COLUMN, tbl("table_name"), schema,
                         **column_facts(args.get("column"), value, default_sql, column_types))
    if method == "alter_column":
        nullable = truthy(args.get("nullable"))
        change: dict[str, Any] = {"set_not_null": nullable is False, "drop_not_null": nullable is True,
                                  "type_change": "type_" in args, "set_default": "server_default" in args}
        if "type_" in args:
            change["new_type"], change["old_type"] = sa_type(args["type_"]), sa_type(args.get("existing_type"))
        if "server_default" in args:
            change["volatile_default"] = bool(volatile(default_sql(args["server_default"])))
        if "new_column_name" in args:
            return Operation(OpKind.RENAME_COLUMN, tbl("table_name"), schema, value(args.get("column_name")),
                      new_name=value(args["new_column_name"]), **change)
        return Operation(OpKind.ALTER_COLUMN, tbl("table_name"), schema, value(args.get("column_name")), **change)
    if method == "rename_table":
        return Operation(OpKind.RENAME_TABLE, value(args.get("old_table_name")), schema,
                         value(args.get("new_table_name")))
    if method in _CONSTRAINT_TYPE:
        source = "source_table" if method == "create_foreign_key" else "table_name"
        referenced = None
        if method == "create_foreign_key":
            referenced = value(args.get("referent_table"))
            schema = value(args.get("source_schema")) if "source_schema" in args else schema
        return Operation(OpKind.ADD_CONSTRAINT, tbl(source), schema, value(args.get("constraint_name")),
                         constraint_type=_CONSTRAINT_TYPE[method], referenced_table=referenced,
                         not_valid=bool(truthy(args.get("postgresql_not_valid"))))
    return None
