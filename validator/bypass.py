"""Match ``CI:DESTRUCTIVE_OK`` comments to findings; report reason-less and unused bypasses.

A bypass never deletes a finding: it marks it ``bypassed`` with the reason, so every
output keeps an audit trail of what was waved through and why.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

from validator.config import Settings
from validator.model import NOT_BYPASSABLE, Bypass, Finding, Migration, Phase, RuleInfo, Severity, Span
from validator.rules.meta import BYPASS_WITHOUT_REASON, UNUSED_BYPASS


def covers(bypass: Bypass, finding: Finding, statement: Span) -> bool:
    """A Python comment covers its whole Python statement; an SQL comment its SQL statement."""
    if finding.code in NOT_BYPASSABLE:
        return False
    if bypass.scope.contains_line(finding.line):
        return True
    return not bypass.in_sql and bypass.scope.contains_line(statement.line)


def apply(
    migration: Migration,
    findings: Sequence[Finding],
    statements: Sequence[Span],
    settings: Settings,
    severity_of: Callable[[RuleInfo, Settings], Severity],
) -> list[Finding]:
    """Mark covered findings bypassed and append MG902/MG903 findings for bad bypasses."""
    result = list(findings)
    meta: list[Finding] = []
    for bypass in migration.bypasses:
        hits = [i for i, f in enumerate(findings) if covers(bypass, f, statements[i])]
        phase = findings[hits[0]].phase if hits else Phase.MODULE
        if not bypass.has_reason and settings.require_reason:
            meta.append(_meta(BYPASS_WITHOUT_REASON, migration.path, bypass, phase, settings, severity_of,
                              f"{settings.bypass_token} needs a reason after the token; it suppresses nothing"))
        elif hits:
            for i in hits:
                result[i] = replace(result[i], bypassed=True, bypass_reason=bypass.reason.strip())
        if not hits:
            meta.append(_meta(UNUSED_BYPASS, migration.path, bypass, phase, settings, severity_of,
                              f"{settings.bypass_token} covers no finding on the statement it annotates"))
    return result + meta


def _meta(info: RuleInfo, path: str, bypass: Bypass, phase: Phase, settings: Settings,
          severity_of: Callable[[RuleInfo, Settings], Severity], message: str) -> Finding:
    token = settings.bypass_token
    statement = f"{'--' if bypass.in_sql else '#'} {token} {bypass.reason}".rstrip()
    return Finding(
        code=info.code, rule=info.name, severity=severity_of(info, settings), path=path,
        line=bypass.line, end_line=bypass.line, column=1, phase=phase, message=message, statement=statement,
    )
