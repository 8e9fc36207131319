"""The verify report and its three renderings (text, json, markdown)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
REPORT_VERSION = 1
MARKDOWN_SQL_BUDGET = 600_000  # characters of executed SQL in the Markdown report


@dataclass
class Step:
    name: str
    status: str = SKIPPED
    seconds: float = 0.0
    detail: str = ""
    data: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status != FAILED

    def as_dict(self) -> dict:
        return {"name": self.name, "ok": self.ok, "status": self.status, "seconds": round(self.seconds, 4),
                "detail": self.detail, **self.data}


@dataclass
class Report:
    database: str
    alembic_ini: str
    heads: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    matviews: list[dict] = field(default_factory=list)
    destroyed: list[dict] = field(default_factory=list)  # see Destroyed.as_dict
    rows_deleted: list[dict] = field(default_factory=list)  # see RowLoss.as_dict
    executed: list[dict] = field(default_factory=list)  # per revision: the statements it ran

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps) and any(step.status == PASSED for step in self.steps)

    def as_dict(self) -> dict:
        return {
            "version": REPORT_VERSION,
            "ok": self.ok,
            "database": self.database,
            "alembic_ini": self.alembic_ini,
            "heads": self.heads,
            "steps": [step.as_dict() for step in self.steps],
            "matviews": self.matviews,
            "destroyed": self.destroyed,
            "rows_deleted": self.rows_deleted,
            "executed": self.executed,
        }


def render_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, sort_keys=False)


def render_text(report: Report) -> str:
    mark = {PASSED: "PASS", FAILED: "FAIL", SKIPPED: "SKIP"}
    lines = [f"migration-guard verify: {report.database} ({report.alembic_ini})"]
    for step in report.steps:
        lines.append(f"  {mark[step.status]}  {step.name:<22} {step.seconds:8.3f}s  {_one_line(step.detail)}")
    for view in report.matviews:
        state = "ok" if view["ok"] else "FAILED"
        extra = view.get("problem") or f"unique index {view['unique_index']}"
        if view.get("refresh_seconds") is not None:
            extra += f", REFRESH CONCURRENTLY {view['refresh_seconds']:.3f}s"
        lines.append(f"  view {view['name']}: {state} ({_one_line(extra)})")
    destroyed = _by_revision(report)
    for run in report.executed:
        revision = run["revision"]
        lines.append(f"  revision {revision}: {len(run['statements'])} statement(s), "
                     f"{len(destroyed.get(revision, []))} destroyed")
        for entry in destroyed.get(revision, []):
            lines.append(f"    {_one_line(_what(entry))}: {_one_line(_coverage(entry))}")
        for s in run["statements"]:
            locks = ", ".join(f"{lock['mode']} on {lock['relation']}" for lock in s["locks"])
            lines.append(f"    > {_one_line(s['sql'])}  [{s['seconds'] * 1000:.1f} ms" + (f"; {locks}" if locks else "")
                         + (f"; FAILED: {_one_line(s['error'])}" if s.get("error") else "") + "]")
    lines.append("result: " + ("all checks passed" if report.ok else "FAILED"))
    return "\n".join(lines) + "\n"


# Only what can break a table cell, start emphasis/links/code, or smuggle HTML; the rest stays readable.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: object) -> str:
    """Escape text from the project (names, PostgreSQL messages) for a Markdown table cell."""
    s = _one_line(str(text))
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("@", "@&#8203;")


def render_markdown(report: Report) -> str:
    icon = {PASSED: "✅ passed", FAILED: "❌ failed", SKIPPED: "⏭️ skipped"}
    verdict = "✅ the migrations build" if report.ok else "❌ verification failed"
    out = [
        f"## migration-guard verify: {verdict}",
        "",
        f"Database {md(report.database)}, Alembic config {md(report.alembic_ini)}, "
        f"head {md(', '.join(report.heads) or 'none')}",
        "",
        "| Step | Result | Time | Detail |",
        "|---|---|---:|---|",
    ]
    for step in report.steps:
        out.append(f"| {md(step.name)} | {icon[step.status]} | {step.seconds:.3f} s | {md(step.detail)} |")
    if report.matviews:
        out += ["", "### Materialized views", "",
                "| View | Unique index for CONCURRENTLY | REFRESH CONCURRENTLY | Result |", "|---|---|---:|---|"]
        for view in report.matviews:
            refresh = "" if view.get("refresh_seconds") is None else f"{view['refresh_seconds']:.3f} s"
            result = "✅" if view["ok"] else "❌ " + md(view.get("problem") or "")
            out.append(f"| {md(view['name'])} | {md(view['unique_index'] or 'none')} | {refresh} | {result} |")
    destroyed = _by_revision(report)
    if destroyed:
        out += ["", "### What each revision destroyed", "",
                "| Revision | Destroyed | Covered by | Bypass reason |", "|---|---|---|---|"]
        for revision, entries in destroyed.items():
            for entry in entries:
                c = entry["covered_by"]
                if c is None:
                    cover, reason = ("❌ no finding" if entry.get("fails") else "no finding"), ""
                else:
                    cover = f"{md(c['code'])} at {md(c['path'])}:{c['line']}" + (" (bypassed)" if c["bypassed"] else "")
                    reason = md(c["reason"] or "")
                out.append(f"| {md(revision)} | {md(_what(entry))} | {cover} | {reason} |")
    if any(run["statements"] for run in report.executed):
        out += ["", "### What ran", ""]
        budget = MARKDOWN_SQL_BUDGET
        for shown, run in enumerate(report.executed):
            block = _executed_markdown(run)
            budget -= sum(len(line) + 1 for line in block)
            if budget < 0:
                left = len(report.executed) - shown
                out.append(f"The SQL of {left} more revision(s) is in the JSON report (`--format json`): "
                           "a job summary holds at most 1 MiB.")
                break
            out += block
    return "\n".join(out) + "\n"


def _executed_markdown(run: dict) -> list[str]:
    """One collapsed block per revision. SQL goes in an HTML <pre>, escaped, so no statement can close
    the block or inject Markdown; a fenced block could be closed by backticks inside the SQL."""
    count = len(run["statements"])
    out = [f"<details><summary>{html.escape(run['revision'])}: {count} statement(s)</summary>", "", "<pre>"]
    for s in run["statements"]:
        locks = ", ".join(f"{lock['mode']} on {lock['relation']}" for lock in s["locks"])
        note = f"-- {s['seconds'] * 1000:.1f} ms" + (f"; {locks}" if locks else "") + \
            (f"; FAILED: {_one_line(s['error'])}" if s.get("error") else "")
        out.append(_pre(note))
        out.append(_pre(s["sql"].rstrip().rstrip(";") + ";"))
    out += ["</pre>", "", "</details>", ""]
    return out


def _what(entry: dict) -> str:
    """'column public.orders.note dropped', '3 row(s) of table public.orders deleted'."""
    if "kind" not in entry:
        return f"{entry['before'] - entry['after']} row(s) of table {entry['schema']}.{entry['table']} deleted"
    if entry["kind"] == "schema":
        name = entry["name"]
    elif entry["kind"] == "column":
        name = f"{entry['schema']}.{entry['table']}.{entry['name']}"
    else:
        name = f"{entry['schema']}.{entry['name']}"
    what = f"{entry['kind'].replace('_', ' ')} {name} {entry['change']}"
    if entry.get("detail"):
        what += f" ({entry['detail']})"
    if entry.get("went_with"):
        what += f", with {entry['went_with']}"
    return what


def _coverage(entry: dict) -> str:
    c = entry["covered_by"]
    if c is None:
        if entry.get("fails"):
            return "NOT COVERED by any finding"
        return f"not covered, as the {entry['went_with']} it went with" if entry.get("went_with") else \
            "not covered (listed only)"
    how = f"bypassed: {c['reason']}" if c["bypassed"] else "not bypassed"
    return f"covered by {c['code']} at {c['path']}:{c['line']} ({how})"


def _by_revision(report: Report) -> dict[str, list[dict]]:
    """Destroyed objects and deleted rows, grouped by revision in the order the revisions ran."""
    grouped: dict[str, list[dict]] = {run["revision"]: [] for run in report.executed}
    for entry in report.destroyed + report.rows_deleted:
        grouped.setdefault(entry["revision"], []).append(entry)
    return {revision: entries for revision, entries in grouped.items() if entries}


# Terminal control characters from the project's SQL or names must not reach a terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _pre(text: str) -> str:
    """Text for inside <pre>: no tag can open or close, no @mention can fire (as md() breaks them)."""
    return html.escape(text).replace("@", "@&#8203;")


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub("?", str(text)).split())


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
