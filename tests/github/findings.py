"""Hand-made findings and reports for the GitHub-layer tests (no parser involved)."""
from migration_guard.model import Finding, Phase, Report, Severity


def finding(path="alembic/versions/a1_drop.py", line=5, code="MG101", rule="drop-table", statement='op.drop_table("users")',
            severity=Severity.ERROR, message="drops table users", end_line=None, bypassed=False, reason=None,
            phase=Phase.UPGRADE):
    return Finding(code=code, rule=rule, severity=severity, path=path, line=line, end_line=end_line or line, column=5,
                   phase=phase, message=message, statement=statement, bypassed=bypassed, bypass_reason=reason)


def report(*findings, files=None):
    files = files if files is not None else sorted({f.path for f in findings})
    return Report(files=tuple(files), findings=tuple(findings))
