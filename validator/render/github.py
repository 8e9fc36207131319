"""``--format github``: workflow-command annotations, one line per finding.

Every value from the repository is escaped so that it can never end the command
line it sits on: a statement holding ``\\n::error::pwned`` or ``::add-mask::`` stays
data. The output is nothing but our own ``::error``/``::warning``/``::notice`` lines.
"""
from __future__ import annotations

from ..model import Finding, Phase, Report, Severity
from ._common import by_severity, visible

# The runner cuts messages at 4096 characters; cut before escaping so we never split
# a ``%0A`` escape, and say that we cut.
MESSAGE_LIMIT = 4000
STATEMENT_LIMIT = 1000


def escape_data(text: str) -> str:
    """Workflow-command message escaping: ``%`` first, so our own escapes survive."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Property values additionally end at ``,`` and ``::``, so those are escaped too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    # Bypassed findings become notices: the reviewer sees, on the very line of the
    # diff, that a destructive statement was accepted and why. A notice never fails
    # the job, it has its own 10-per-step display cap so it cannot push an error or
    # warning out of view, and it comes after them.
    lines = [annotation(f) for f in by_severity(report.active)]
    lines += [annotation(f) for f in by_severity(report.bypassed)]
    return "".join(line + "\n" for line in lines)


def annotation(finding: Finding) -> str:
    if finding.bypassed:
        command = "notice"
        title = f"{finding.code} {finding.rule} (bypassed)"
    else:
        command = "error" if finding.severity is Severity.ERROR else "warning"
        title = f"{finding.code} {finding.rule}"
    line = max(1, finding.line)
    props: list[tuple[str, str]] = []
    if finding.path:
        props += [
            ("file", finding.path),
            ("line", str(line)),
            ("endLine", str(max(line, finding.end_line))),
            ("col", str(max(1, finding.column))),
        ]
    props.append(("title", title))
    rendered = ",".join(f"{key}={escape_property(_clean(value))}" for key, value in props)
    return f"::{command} {rendered}::{escape_data(_message(finding))}"


def _message(finding: Finding) -> str:
    parts = [finding.message or finding.rule]
    if finding.phase is Phase.DOWNGRADE:
        parts[0] += " (in downgrade)"
    if finding.bypassed:
        parts.append(f"Bypassed: {finding.bypass_reason or '(no reason given)'}")
    statement = finding.statement.strip()
    if statement:
        if len(statement) > STATEMENT_LIMIT:
            statement = statement[:STATEMENT_LIMIT] + " …[truncated]"
        parts.append(statement)
    text = _clean("\n".join(parts))
    if len(text) > MESSAGE_LIMIT:
        text = text[:MESSAGE_LIMIT] + " …[truncated]"
    return text


def _clean(text: str) -> str:
    # Newlines are escaped by the command syntax itself (``%0A``); every other control
    # character (ESC colour codes, which the log viewer renders, CR included as
    # written by a CRLF file) is spelled out.
    return visible(text.replace("\r\n", "\n"), keep_newlines=True)
