"""Shared by the renderer tests: a hand-built ``Report`` that exercises every renderer path, and the golden-file helper.

The report is built from model values directly so these tests do not depend on the
parser or the engine.
"""
from __future__ import annotations

import os
from pathlib import Path

from migration_guard.model import Environment, Finding, ObjectRef, Phase, Report, RuleInfo, Severity

GOLDEN = Path(__file__).parent / "golden"

# A statement written to break out of a workflow command (the modern ``::`` form at
# a line start, the legacy ``##[`` form anywhere in a line), plus an ANSI escape that
# would recolour a terminal, a bidi override and a CRLF line end.
INJECTION_STATEMENT = (
    "DROP TABLE t; -- 100% sure\n::error file=x::pwned\r\n  ::add-mask::secret\n"
    "x ##[stop-commands]tok\n\x1b[31mred\x1b[0m \u202eevil"
)
INJECTION_PATH = "alembic/versions/0003_odd:name,100%.py"

RULES = (
    RuleInfo("MG101", "drop-table", Severity.ERROR, "Dropping a table destroys its data"),
    RuleInfo("MG102", "drop-column", Severity.ERROR, "Dropping a column destroys its data"),
    RuleInfo("MG105", "truncate", Severity.ERROR, "TRUNCATE removes every row"),
    RuleInfo("MG901", "parse-error", Severity.ERROR, "The revision file cannot be parsed", category="meta"),
    RuleInfo("MG904", "unresolved-sql", Severity.WARNING, "SQL that cannot be resolved statically", category="meta"),
)


def _f(code: str, rule: str, severity: Severity, path: str, line: int, **kw) -> Finding:
    values = dict(
        end_line=line, column=5, phase=Phase.UPGRADE, message=f"{rule} at line {line}", statement=""
    )
    values.update(kw)
    return Finding(code=code, rule=rule, severity=severity, path=path, line=line, **values)


FINDINGS = (
    _f("MG101", "drop-table", Severity.ERROR, "alembic/versions/0001_init.py", 12,
       message='Dropping table "users" destroys its data', statement='op.drop_table("users")',
       object=ObjectRef("table", None, "users", "users")),
    _f("MG904", "unresolved-sql", Severity.WARNING, "alembic/versions/0001_init.py", 20, end_line=23,
       message="SQL built at run time cannot be checked",
       statement='op.execute(\n    build_sql(\n        "x"\n    )\n)'),
    _f("MG105", "truncate", Severity.ERROR, "alembic/versions/0001_init.py", 30, bypassed=True,
       message='TRUNCATE "audit_log" removes every row', statement="TRUNCATE audit_log",
       object=ObjectRef("table", "audit", "audit_log", "audit_log"),
       bypass_reason="audit log is archived to S3 first, see ADR-015"),
    _f("MG102", "drop-column", Severity.WARNING, "alembic/versions/0002_löschen.py", 40,
       phase=Phase.DOWNGRADE, column=9,
       message='Dropping column "größe" of "maße" destroys its data',
       statement='op.drop_column("maße", "größe")  # 中文', object=ObjectRef("column", None, "maße", "größe")),
    _f("MG901", "parse-error", Severity.ERROR, "alembic/versions/0004_broken.py", 7, column=1,
       phase=Phase.MODULE, message="invalid syntax (line 7)", statement=""),
    _f("MG101", "drop-table", Severity.ERROR, INJECTION_PATH, 3, end_line=8,
       message="Dropping table\n::error::pwned %0A", statement=INJECTION_STATEMENT),
)

FILES = (
    "alembic/versions/0001_init.py",
    "alembic/versions/0002_löschen.py",
    INJECTION_PATH,
    "alembic/versions/0004_broken.py",
)


# One environment found by its ini, one by its env.py holding a file the run did not lint.
ENVIRONMENTS = (
    Environment(path="alembic/versions", config="alembic.ini", files=FILES, locations=("alembic/versions",),
                found_by="configured by alembic.ini"),
    Environment(path="tenants/migrations/versions", files=("tenants/migrations/versions/0001_t.py",),
                locations=("tenants/migrations/versions",)),
)


def full_report() -> Report:
    return Report(files=FILES, findings=FINDINGS, rules=RULES, environments=ENVIRONMENTS)


def empty_report() -> Report:
    return Report(files=("alembic/versions/0001_init.py",), findings=(), rules=RULES)


def assert_golden(name: str, text: str) -> None:
    """Compare with ``golden/<name>``; ``MG_UPDATE_GOLDEN=1`` rewrites it instead."""
    path = GOLDEN / name
    if os.environ.get("MG_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        return
    assert path.exists(), f"missing golden file {path}; run with MG_UPDATE_GOLDEN=1 and review it"
    expected = path.read_bytes().decode("utf-8", "surrogateescape")
    assert text == expected, f"{name} differs from its golden file (MG_UPDATE_GOLDEN=1 to accept)"
