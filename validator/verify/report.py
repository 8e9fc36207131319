"""The verify report and its three renderings (text, json, markdown)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
REPORT_VERSION = 1


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
    return "\n".join(out) + "\n"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
