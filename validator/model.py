"""The values that flow through migration-guard: frozen, comparable, free of IO."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def rank(self) -> int:
        return 2 if self is Severity.ERROR else 1


class Phase(str, enum.Enum):
    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"
    MODULE = "module"  # outside both: revision metadata, parse errors


class Origin(str, enum.Enum):
    OP_CALL = "op"  # op.drop_table(...), batch_op.drop_column(...)
    SQL = "sql"  # a statement parsed out of SQL text
    EXPRESSION = "expression"  # a SQLAlchemy construct such as sa.delete(t)


@dataclass(frozen=True)
class Span:
    """1-based lines, 1-based columns of a region in a revision file."""

    line: int
    end_line: int
    column: int = 1

    def contains_line(self, line: int) -> bool:
        return self.line <= line <= self.end_line




class OpKind(str, enum.Enum):
    """What an operation does: the one vocabulary of the parsers and the rules.

    A string enum, so a kind compares and hashes like its value (``"drop_table"``).
    """

    # Enum's own __hash__ is Python code; kinds are dictionary keys on the hot path
    __hash__ = str.__hash__

    CREATE_TABLE = "create_table"
    DROP_TABLE = "drop_table"
    RENAME_TABLE = "rename_table"
    TRUNCATE = "truncate"
    ALTER_TABLE = "alter_table"  # an ALTER TABLE action no other kind names (ENABLE TRIGGER, SET ...)
    ADD_COLUMN = "add_column"
    DROP_COLUMN = "drop_column"
    ALTER_COLUMN = "alter_column"
    RENAME_COLUMN = "rename_column"
    ADD_CONSTRAINT = "add_constraint"
    DROP_CONSTRAINT = "drop_constraint"
    VALIDATE_CONSTRAINT = "validate_constraint"
    CREATE_INDEX = "create_index"
    DROP_INDEX = "drop_index"
    CREATE_VIEW = "create_view"
    DROP_VIEW = "drop_view"
    DROP_SCHEMA = "drop_schema"
    DROP_DATABASE = "drop_database"
    DROP_OTHER = "drop_other"  # DROP SEQUENCE, TYPE, FUNCTION, EXTENSION...: ``object_type`` says which
    DELETE = "delete"
    UPDATE = "update"
    UNRESOLVED_SQL = "unresolved_sql"  # SQL that cannot be read statically: ``reason`` says why
    OTHER_SQL = "other_sql"  # a statement that changes nothing checked; ``schema_change`` if it is DDL
    # SQL shapes: roles' objects and calls of functions the revision creates
    DROP_OWNED = "drop_owned"  # DROP OWNED BY: ``target`` names the roles
    CALL_FUNCTION = "call_function"  # SELECT f(), CALL p(), PERFORM f(): ``target`` is the function called
    # lock-taking maintenance, partition, view and enum statements, and settings (issue 14)
    REINDEX = "reindex"  # ``object_type``: index, table, schema, database or system; ``target`` its name
    DETACH_PARTITION = "detach_partition"  # ``table``: the partitioned table; ``target``: the partition
    VACUUM = "vacuum"  # ``full``: VACUUM FULL; ``table`` None for the whole database
    CLUSTER = "cluster"  # ``table`` None for every table clustered before; ``target``: the index
    REFRESH_VIEW = "refresh_view"  # REFRESH MATERIALIZED VIEW ``target``; ``concurrently``
    ADD_ENUM_VALUE = "add_enum_value"  # ALTER TYPE ``target`` ADD VALUE ``enum_value``
    SET_SETTING = "set_setting"  # SET [LOCAL] ``target`` (a run-time setting such as lock_timeout)


class Where(str, enum.Enum):
    """The WHERE clause of a DELETE or UPDATE."""

    NONE = "none"
    FILTER = "filtered"
    CONSTANT_TRUE = "constant_true"  # ``WHERE true``, ``WHERE 1 = 1``: every row all the same
    ROW_INDEPENDENT = "row_independent"  # ``WHERE EXISTS (SELECT 1)``: reads no column of the table, so every
                                         # row fares alike


@dataclass(frozen=True)
class ObjectRef:
    kind: str                 # "table" | "column" | "constraint" | "index" | "view" | "materialized_view" |
                              # "sequence" | "type" | "schema" | "function" | "extension" | "database" | ...
    schema: str | None = None
    table: str | None = None  # for a table: its own name; for a schema: None
    name: str | None = None   # for a table: its own name too


NOWHERE = Span(0, 0, 0)


def schema_key(schema: str | None) -> str:
    """A schema as PostgreSQL resolves it for an unqualified name: ``public`` and none are one."""
    return "" if schema in (None, "", "public") else schema.lower()


def table_key(phase: Phase, schema: str | None, table: str | None) -> tuple | None:
    """One key per table and phase, however the schema and name are spelled (``public.Users``, ``users``)."""
    return (phase, schema_key(schema), table.lower()) if table else None


@dataclass(frozen=True, init=False)
class Operation:
    """One database operation a revision performs, whatever it was written as.

    Every parser builds this one shape: the kind, the object it works on and the
    named facts rules read; a fact that does not apply to a kind keeps its default.
    ``span`` is where the operation itself stands (an SQL statement's own lines inside
    a string); ``statement_span`` is the Python statement that runs it. A parser
    reading SQL text builds it without its place in the file; ``placed`` adds it.
    """

    kind: OpKind
    table: str | None = None
    schema: str | None = None
    target: str | None = None  # column, constraint, index, view, schema or database name
    object_type: str | None = None  # ALTER_TABLE, DROP_OTHER: the object's kind, in ``ObjectRef.kind`` words
    # where it stands
    span: Span = NOWHERE
    statement_span: Span = NOWHERE
    phase: Phase = Phase.UPGRADE
    origin: Origin = Origin.SQL
    statement: str = ""
    in_autocommit_block: bool = False
    function: str = ""  # the function whose body holds it (upgrade, a helper...)
    defined_in: str | None = None  # the SQL function or procedure whose body holds it: it runs only when called
    # facts of drops, indexes and DML
    if_exists: bool = False
    cascade: bool = False
    concurrently: bool = False
    materialized: bool = False  # a materialized view
    unique: bool = False  # a unique index, or a column declared unique / primary key
    where: Where | None = None  # DELETE, UPDATE
    columns: tuple[str, ...] = ()  # the columns an UPDATE sets
    new_name: str | None = None  # RENAME_COLUMN
    reason: str = ""  # UNRESOLVED_SQL: why it cannot be read
    schema_change: bool = False  # OTHER_SQL: a DDL statement (CREATE FUNCTION, GRANT, COMMENT...)
    # constraints
    constraint_type: str | None = None  # foreign_key, check, unique, primary_key, exclusion, not_null, other
    not_valid: bool = False
    using_index: bool = False
    referenced_table: str | None = None  # a foreign key's, on ADD_CONSTRAINT and ADD_COLUMN
    # the column definition of ADD_COLUMN
    nullable: bool = True
    has_default: bool = False
    volatile_default: bool = False  # computed row by row: volatile function or stored generated column
    volatile_functions: tuple[str, ...] = ()  # the volatile functions its default calls
    foreign_key: bool = False
    identity: bool = False
    generated_stored: bool = False
    column_type: str | None = None  # ``bigserial``, ``varchar(20)``; from an op call, the SQLAlchemy type's (or None)
    column_types: tuple[tuple[str, str | None], ...] = ()  # CREATE_TABLE: (column, type) as column_type reads them
    primary_key: tuple[str, ...] = ()  # CREATE_TABLE: the primary key's columns
    # the change of ALTER_COLUMN (and RENAME_COLUMN from ``op.alter_column``)
    set_not_null: bool = False
    drop_not_null: bool = False
    type_change: bool = False
    new_type: str | None = None
    set_default: bool = False
    old_type: str | None = None  # ALTER_COLUMN: the type before, from ``existing_type=``, in SQL words
    # facts of the issue-14 kinds
    full: bool = False  # VACUUM FULL
    enum_value: str | None = None  # ADD_ENUM_VALUE: the new label
    value: str | None = None  # SET_SETTING: the value as written (None for RESET or SET ... TO DEFAULT)

    def __init__(self, kind: OpKind, table: str | None = None, schema: str | None = None, target: str | None = None,
                 **facts: Any) -> None:
        # Only what differs from the defaults is stored: the defaults are class attributes, and a
        # generated __init__ would assign all forty fields of every operation the parser finds.
        if not _FIELDS.issuperset(facts):
            raise TypeError(f"Operation has no field {', '.join(sorted(facts.keys() - _FIELDS))}")
        values = self.__dict__
        values["kind"], values["table"], values["schema"], values["target"] = kind, table, schema, target
        values.update(facts)

    @property
    def qualified_table(self) -> str:
        name = self.table or "?"
        return f"{self.schema}.{name}" if self.schema else name

    @property
    def object(self) -> ObjectRef | None:
        """The database object it works on; None for SQL that names none."""
        kind = _OBJECT_KIND.get(self.kind)
        if kind == "table":
            return ObjectRef("table", self.schema, self.table, self.table)
        if kind in ("column", "constraint", "index"):
            return ObjectRef(kind, self.schema, self.table, self.target)
        if kind == "view":
            return ObjectRef("materialized_view" if self.materialized else "view", self.schema, None, self.target)
        if kind in ("schema", "database"):
            return ObjectRef(kind, None, None, self.target)
        if self.kind is OpKind.ALTER_TABLE:
            if self.object_type in (None, "table"):
                return ObjectRef("table", self.schema, self.table, self.table)
            return ObjectRef(self.object_type, self.schema, None, self.table)
        if self.kind is OpKind.REFRESH_VIEW:
            return ObjectRef("materialized_view", self.schema, None, self.target)
        if self.kind is OpKind.REINDEX and self.object_type == "table":
            return ObjectRef("table", self.schema, self.table, self.table)
        if self.kind in (OpKind.ADD_ENUM_VALUE, OpKind.REINDEX):
            return ObjectRef(self.object_type or "type", self.schema, None, self.target)
        if self.kind is OpKind.DROP_OTHER:
            return ObjectRef(self.object_type or "object", self.schema, None, self.target)
        if self.kind is OpKind.DROP_OWNED:
            return ObjectRef("role", None, None, self.target)
        return None

    def placed(self, **where: Any) -> Operation:
        """A copy with its place in the file (``span``, ``phase``, ``statement``...) and other fields set."""
        copy = object.__new__(Operation)
        copy.__dict__.update(self.__dict__, **where)
        return copy


_FIELDS = frozenset(Operation.__dataclass_fields__)
_OBJECT_KIND: dict[OpKind, str] = {
    **dict.fromkeys((OpKind.CREATE_TABLE, OpKind.DROP_TABLE, OpKind.RENAME_TABLE, OpKind.TRUNCATE,
                     OpKind.DELETE, OpKind.UPDATE), "table"),
    **dict.fromkeys((OpKind.ADD_COLUMN, OpKind.DROP_COLUMN, OpKind.ALTER_COLUMN, OpKind.RENAME_COLUMN), "column"),
    **dict.fromkeys((OpKind.ADD_CONSTRAINT, OpKind.DROP_CONSTRAINT, OpKind.VALIDATE_CONSTRAINT), "constraint"),
    **dict.fromkeys((OpKind.CREATE_INDEX, OpKind.DROP_INDEX), "index"),
    **dict.fromkeys((OpKind.CREATE_VIEW, OpKind.DROP_VIEW), "view"),
    OpKind.DROP_SCHEMA: "schema",
    **dict.fromkeys((OpKind.VACUUM, OpKind.CLUSTER, OpKind.DETACH_PARTITION), "table"),
    OpKind.DROP_DATABASE: "database",
}


BYPASS_TOKEN = "CI:DESTRUCTIVE_OK"  # the default; ``bypass-token`` in the settings may choose another
DIALECTS = ("postgresql", "mysql", "mariadb", "sqlite", "oracle", "mssql")  # ``dialect``, as SQLAlchemy names them


@dataclass(frozen=True)
class Bypass:
    """A ``CI:DESTRUCTIVE_OK`` comment and the lines it covers."""

    line: int
    reason: str
    scope: Span  # the statement it covers
    in_sql: bool = False  # a ``--`` comment inside SQL text rather than a Python comment
    # in SQL: (line, column) where each operation of the one SQL statement it covers starts
    starts: tuple[tuple[int, int], ...] = ()
    element: bool = False  # on one element of a multi-line list, tuple or dict: that element's lines only
    note: str = ""  # why it may cover less than its writer meant, for the unused-bypass message

    @property
    def has_reason(self) -> bool:
        return bool(self.reason.strip())


@dataclass(frozen=True)
class Revision:
    """Identity of a revision file, read statically from its module-level assignments."""

    revision: str | None = None
    down_revisions: tuple[str, ...] = ()
    line: int = 1
    has_downgrade: bool = False
    downgrade_is_empty: bool = True
    down_revision_line: int = 0  # 0: not declared
    downgrade_line: int = 0  # 0: no downgrade()


# The findings the engine emits itself, about a file or its bypass comments rather than
# about the database (``rules/meta.py`` declares them). Their codes are defined here, at
# the bottom layer, because the parser, the bypass matcher and the renderers name them.
# A bypass cannot accept any of them: they need a fix.
PARSE_ERROR_CODE = "MG901"
BYPASS_WITHOUT_REASON_CODE = "MG902"
UNUSED_BYPASS_CODE = "MG903"
NOT_BYPASSABLE = frozenset({PARSE_ERROR_CODE, BYPASS_WITHOUT_REASON_CODE, UNUSED_BYPASS_CODE})


@dataclass(frozen=True)
class Problem:
    """Something the parser could not read: it becomes a meta finding, never a silent pass."""

    code: str  # PARSE_ERROR_CODE
    message: str
    span: Span
    statement: str = ""


@dataclass(frozen=True)
class Deployment:
    """What surrounds a revision when it runs: its environment's env.py and the change that adds it.

    Read once per run (never by importing anything) and shared by every revision of an environment.
    """

    env_py: str | None = None  # the env.py read; None when none was found beside the versions folder
    lock_timeout: bool = False  # env.py sets a non-zero lock_timeout for every revision
    # (schema or "", name) lower-cased: tables and materialized views created by a revision the change
    # (pull request, --base) adds
    new_tables: frozenset[tuple[str, str]] = frozenset()
    revision_files: tuple[str, ...] = ()  # the environment's revision files, readable from here: its history


@dataclass(frozen=True)
class Migration:
    path: str
    operations: tuple[Operation, ...] = ()
    bypasses: tuple[Bypass, ...] = ()
    problems: tuple[Problem, ...] = ()
    revision: Revision = Revision()
    deployment: Deployment = Deployment()


@dataclass(frozen=True)
class Environment:
    """One Alembic environment: where its revisions live and what configured it."""

    path: str  # the main version location, relative to the linted root ("" for the root itself)
    config: str | None = None  # the alembic.ini or pyproject.toml naming it; None when found by its env.py
    files: tuple[str, ...] = ()  # every revision file of the environment, linted or not
    locations: tuple[str, ...] = ()  # every version location, ``path`` first
    found_by: str = "found by its env.py"  # for people: "configured by server/alembic.ini", ...
    script: str | None = None  # the folder holding its env.py, when known


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    severity: Severity
    summary: str
    category: str = "destructive"
    opt_in: bool = False

    @property
    def help_uri(self) -> str:
        return f"{DOCS_BASE_URI}/{self.name}.md"


DOCS_BASE_URI = "https://github.com/migration-guard/migration-guard/blob/main/docs/rules"


@dataclass(frozen=True)
class Finding:
    code: str
    rule: str
    severity: Severity
    path: str
    line: int
    end_line: int
    column: int
    phase: Phase
    message: str
    statement: str
    bypassed: bool = False
    bypass_reason: str | None = None
    object: ObjectRef | None = None  # the database object the operation works on

    @property
    def fingerprint(self) -> str:
        """Stable across line moves: rule, path and the whitespace-folded statement."""
        import hashlib  # imported here: start-up time counts, and only the action needs fingerprints

        normalized = " ".join(self.statement.split()).lower()
        raw = "\0".join((self.code, self.path, normalized))
        return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code)


@dataclass(frozen=True)
class Summary:
    errors: int
    warnings: int
    bypassed: int
    files: int


@dataclass(frozen=True)
class Report:
    files: tuple[str, ...]
    findings: tuple[Finding, ...]
    rules: tuple[RuleInfo, ...] = ()  # the rules that ran, for SARIF and help links
    environments: tuple[Environment, ...] = ()  # the environments the linted files belong to

    @property
    def active(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.bypassed)

    @property
    def bypassed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.bypassed)

    @property
    def summary(self) -> Summary:
        active = self.active
        return Summary(
            errors=sum(f.severity is Severity.ERROR for f in active),
            warnings=sum(f.severity is Severity.WARNING for f in active),
            bypassed=len(self.findings) - len(active),
            files=len(self.files),
        )

    def fails(self, fail_on: str) -> bool:
        """``fail_on`` is ``error``, ``warning`` or ``never``."""
        if fail_on == "never":
            return False
        threshold = Severity.ERROR.rank if fail_on == "error" else Severity.WARNING.rank
        return any(f.severity.rank >= threshold for f in self.active)

    def rule_info(self, code: str) -> RuleInfo | None:
        return next((r for r in self.rules if r.code == code), None)
