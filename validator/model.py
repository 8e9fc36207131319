"""The values that flow through migration-guard: frozen, comparable, free of IO."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping


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




@dataclass(frozen=True)
class Operation:
    """One database operation a revision performs, whatever it was written as.

    ``kind`` is a word from ``KINDS``; ``attrs`` carries the facts rules need
    (``concurrently``, ``where``, ``columns``...). ``span`` is where the operation
    itself stands (an SQL statement's own lines inside a string); ``statement_span``
    is the Python statement that runs it.
    """

    kind: str
    span: Span
    statement_span: Span
    phase: Phase
    origin: Origin
    statement: str
    table: str | None = None
    schema: str | None = None
    target: str | None = None  # column, constraint, index, view, schema or database name
    attrs: Mapping[str, Any] = field(default_factory=dict, compare=False)
    in_autocommit_block: bool = False
    function: str = ""  # the function whose body holds it (upgrade, a helper...)

    @property
    def qualified_table(self) -> str:
        name = self.table or "?"
        return f"{self.schema}.{name}" if self.schema else name

    def attr(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)


# The operation vocabulary shared by the Python-call and SQL parsers.
KINDS = frozenset(
    {
        "drop_table", "drop_column", "drop_schema", "drop_database", "truncate", "delete",
        "update", "drop_constraint", "create_table", "add_column", "alter_column",
        "create_index", "drop_index", "add_constraint", "rename_table", "rename_column",
        "drop_view", "create_view", "unresolved_sql", "other_sql",
    }
)


@dataclass(frozen=True)
class Bypass:
    """A ``CI:DESTRUCTIVE_OK`` comment and the lines it covers."""

    line: int
    reason: str
    scope: Span  # the statement it covers
    in_sql: bool = False  # a ``--`` comment inside SQL text rather than a Python comment

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


@dataclass(frozen=True)
class Problem:
    """Something the parser could not read: it becomes a meta finding, never a silent pass."""

    code: str  # MG9xx
    message: str
    span: Span
    statement: str = ""


@dataclass(frozen=True)
class Migration:
    path: str
    operations: tuple[Operation, ...] = ()
    bypasses: tuple[Bypass, ...] = ()
    problems: tuple[Problem, ...] = ()
    revision: Revision = Revision()


@dataclass(frozen=True)
class Environment:
    """One Alembic environment: where its revisions live and what configured it."""

    path: str  # the main version location, relative to the linted root ("" for the root itself)
    config: str | None = None  # the alembic.ini or pyproject.toml naming it; None when found by its env.py
    files: tuple[str, ...] = ()  # every revision file of the environment, linted or not
    locations: tuple[str, ...] = ()  # every version location, ``path`` first
    found_by: str = "found by its env.py"  # for people: "configured by server/alembic.ini", ...


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
