"""``--format text`` (the default): a report to read in a terminal or a CI log.

Repository text (paths, statements, messages, reasons) is passed through
``visible`` before any colour is added, so an ESC sequence in a migration can
neither recolour the terminal nor hide a line. This text also lands in workflow
logs, where the runner runs any line that starts with ``::`` after leading spaces:
every line therefore starts with our own text (statement lines behind a ``|``
gutter), never with repository text.
"""
from __future__ import annotations

import textwrap

from ..model import BYPASS_TOKEN, NOT_BYPASSABLE, Finding, Phase, Report, Severity
from ._common import by_place, plural, visible

STATEMENT_LINES = 6
LINE_WIDTH = 160
INDENT = "    "
GUTTER = INDENT + "| "

_RESET = "\033[0m"
_STYLE = {
    "error": "\033[1;31m",
    "warning": "\033[33m",
    "bypassed": "\033[36m",
    "location": "\033[1m",
    "dim": "\033[2m",
    "ok": "\033[32m",
}


def render_text(report: Report, *, color: bool = False, bypass_token: str = BYPASS_TOKEN) -> str:
    """``color`` only when asked: the CLI decides (a tty and ``NO_COLOR`` unset)."""
    paint = _painter(color)
    blocks = [_block(f, paint) for f in by_place(report.active)]
    blocks += [_block(f, paint) for f in by_place(report.bypassed)]
    out = "\n\n".join(blocks)
    if out:
        out += "\n\n"
    return out + _summary(report, paint, bypass_token)


def _painter(color: bool):
    if not color:
        return lambda style, text: text
    return lambda style, text: f"{_STYLE[style]}{text}{_RESET}"


def _block(finding: Finding, paint) -> str:
    where = visible(finding.path) or "<project>"
    if where.lstrip().startswith(":"):
        where = "./" + where  # the same file, and no longer a workflow command
    location = paint("location", f"{where}:{finding.line}:{finding.column}:")
    if finding.bypassed:
        label = paint("bypassed", "[bypassed]")
    elif finding.severity is Severity.ERROR:
        label = paint("error", "[error]")
    else:
        label = paint("warning", "[warning]")
    head = f"{location} {finding.code} {finding.rule} {label}"
    if finding.phase is not Phase.UPGRADE:
        head += f" ({finding.phase.value})"
    lines = [f"{head} {visible(finding.message)}"]
    lines += [paint("dim", GUTTER + line) for line in statement_excerpt(finding.statement)]
    if finding.bypassed:
        reason = visible(finding.bypass_reason or "") or "(no reason given)"
        lines.append(paint("bypassed", f"{INDENT}bypassed: {reason}"))
    return "\n".join(lines)


def statement_excerpt(statement: str) -> list[str]:
    """The statement's first lines, dedented, each cut to a terminal-friendly width."""
    text = textwrap.dedent(statement.replace("\r\n", "\n").expandtabs(4)).strip("\n")
    if not text.strip():
        return []
    rows = text.split("\n")
    shown = [_cut(visible(row.rstrip(), keep_newlines=True)) for row in rows[:STATEMENT_LINES]]
    hidden = len(rows) - len(shown)
    if hidden > 0:
        shown.append(f"… ({plural(hidden, 'more line')})")
    return shown


def _cut(row: str) -> str:
    return row if len(row) <= LINE_WIDTH else row[: LINE_WIDTH - 1] + "…"


def environment_lines(report: Report) -> list[str]:
    """One line per Alembic environment: where its revisions are, how many, what configured it."""
    linted = set(report.files)
    lines = []
    for env in report.environments:
        count = plural(len(env.files), "revision file")
        checked = sum(f in linted for f in env.files)
        if checked != len(env.files):
            count += f", {checked} linted"
        lines.append(f"environment {visible(env.path) or '.'}: {count} ({visible(env.found_by)})")
    return lines


def _summary(report: Report, paint, bypass_token: str) -> str:
    s = report.summary
    line = (
        f"{plural(s.errors, 'error')}, {plural(s.warnings, 'warning')}, "
        f"{s.bypassed} bypassed in {plural(s.files, 'file')}"
    )
    style = "error" if s.errors else "warning" if s.warnings else "ok"
    out = "".join(paint("dim", row) + "\n" for row in environment_lines(report))
    out += paint(style, line) + "\n"
    # A parse error or a reasonless bypass cannot be bypassed: it needs a fix, and the
    # hint would send the reader the wrong way.
    if any(f.severity is Severity.ERROR and f.code not in NOT_BYPASSABLE for f in report.active):
        token = visible(bypass_token)
        out += (
            f"A destructive change made on purpose can be bypassed with a reason: "
            f'"# {token} <why it is safe>" on the statement\'s line or alone on the line above it, '
            f'or "-- {token} <why>" inside the SQL.\n'
        )
    return out
