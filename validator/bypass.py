"""Match ``CI:DESTRUCTIVE_OK`` comments to findings; report reason-less and unused bypasses.

A bypass never deletes a finding: it marks it ``bypassed`` with the reason, so every
output keeps an audit trail of what was waved through and why.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

from .config import Settings
from .model import NOT_BYPASSABLE, Bypass, Finding, Migration, Phase, RuleInfo, Severity, Span
from .rules.meta import BYPASS_WITHOUT_REASON, UNUSED_BYPASS


def covers(bypass: Bypass, finding: Finding, statement: Span) -> bool:
    """Whether ``finding`` stands where ``bypass`` points, before the one-statement check of ``apply``.

    An SQL comment points at the operations of one SQL statement, by where each starts;
    a Python comment at the lines of its Python statement and at the SQL that statement
    runs; a comment on one element of a multi-line list, tuple or dict at that element's lines.
    """
    if finding.code in NOT_BYPASSABLE:
        return False
    if bypass.in_sql:
        return (finding.line, finding.column) in bypass.starts
    if bypass.scope.contains_line(finding.line):
        return True
    return not bypass.element and bypass.scope.contains_line(statement.line)


def apply(
    migration: Migration,
    findings: Sequence[Finding],
    statements: Sequence[Span],
    settings: Settings,
    severity_of: Callable[[RuleInfo, Settings], Severity],
) -> list[Finding]:
    """Mark covered findings bypassed and append MG902/MG903 findings for bad bypasses.

    A bypass covers one statement: when the findings it points at stand at more than one
    place (two SQL statements in one string, two calls on one line), it covers none of
    them and MG903 names the lines, so one comment never waves through more than one.
    """
    result = list(findings)
    meta: list[Finding] = []
    for bypass in migration.bypasses:
        hits = [i for i, f in enumerate(findings) if covers(bypass, f, statements[i])]
        phase = findings[hits[0]].phase if hits else Phase.MODULE
        places = sorted({(findings[i].line, findings[i].column) for i in hits})
        if not bypass.has_reason and settings.require_reason:
            meta.append(_meta(BYPASS_WITHOUT_REASON, migration.path, bypass, phase, settings, severity_of,
                              f"{settings.bypass_token} needs a reason after the token; it suppresses nothing"))
        elif len(places) > 1:
            lines = list(dict.fromkeys(str(line) for line, _ in places))
            where = f"line{'s' if len(lines) > 1 else ''} {', '.join(lines)}"
            meta.append(_meta(UNUSED_BYPASS, migration.path, bypass, phase, settings, severity_of,
                              f"{settings.bypass_token} points at {len(places)} statements ({where}) and "
                              "covers none: a bypass covers one statement, so give each its own"))
            continue
        elif hits:
            for i in hits:
                result[i] = replace(result[i], bypassed=True, bypass_reason=bypass.reason.strip())
        if not hits:
            meta.append(_meta(UNUSED_BYPASS, migration.path, bypass, phase, settings, severity_of,
                              f"{settings.bypass_token} covers no finding on the statement it annotates"
                              + (f": {bypass.note}" if bypass.note else "")))
    return result + meta


def _meta(info: RuleInfo, path: str, bypass: Bypass, phase: Phase, settings: Settings,
          severity_of: Callable[[RuleInfo, Settings], Severity], message: str) -> Finding:
    token = settings.bypass_token
    statement = f"{'--' if bypass.in_sql else '#'} {token} {bypass.reason}".rstrip()
    return Finding(
        code=info.code, rule=info.name, severity=severity_of(info, settings), path=path,
        line=bypass.line, end_line=bypass.line, column=1, phase=phase, message=message, statement=statement,
    )
