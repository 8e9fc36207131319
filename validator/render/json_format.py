"""``--format json``: one JSON object, the public contract of DESIGN §6.

Keys appear in the documented order; consumers may rely on names and types, and a
new key is only ever added, never renamed (``version`` changes otherwise).
"""
from __future__ import annotations

from typing import Any

from ..model import Environment, Finding, ObjectRef, Report
from ._common import dumps

SCHEMA_VERSION = 1


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "rule": finding.rule,
        "severity": finding.severity.value,
        "path": finding.path,
        "line": finding.line,
        "end_line": finding.end_line,
        "column": finding.column,
        "phase": finding.phase.value,
        "message": finding.message,
        "statement": finding.statement,
        "bypassed": finding.bypassed,
        "bypass_reason": finding.bypass_reason,
        "object": object_dict(finding.object),
    }


def environment_dict(environment: Environment, report: Report) -> dict[str, Any]:
    return {"path": environment.path, "config": environment.config, "files": len(environment.files)}


def object_dict(target: ObjectRef | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {"kind": target.kind, "schema": target.schema, "table": target.table, "name": target.name}


def report_dict(report: Report) -> dict[str, Any]:
    summary = report.summary
    return {
        "version": SCHEMA_VERSION,
        "files": list(report.files),
        "environments": [environment_dict(e, report) for e in report.environments],
        # Bypassed findings stay in: they are the audit trail (DESIGN §5).
        "findings": [finding_dict(f) for f in report.findings],
        "summary": {
            "errors": summary.errors,
            "warnings": summary.warnings,
            "bypassed": summary.bypassed,
            "files": summary.files,
        },
    }


def render_json(report: Report) -> str:
    return dumps(report_dict(report)) + "\n"
