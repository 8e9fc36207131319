"""View models for the Markdown surfaces: what each template shows, escaped, in order."""
from __future__ import annotations

from dataclasses import dataclass, field

from validator.model import Finding, Report, Severity
from validator.render import markdown as md
from validator.render._common import by_severity, plural, rule_for

from validator.github.markers import COMMENT_LIMIT, SUMMARY_MARKER


@dataclass
class Context:
    """Facts about the run that the surfaces mention."""

    head_sha: str = ""
    blob_url: str = ""  # <server>/<repo>/blob/<sha>, for links to lines
    run_url: str = ""
    bypass_token: str = "CI:DESTRUCTIVE_OK"
    inline: set[tuple[str, str]] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)  # plain text; escaped here
    nothing_changed: bool = False


def _views(report: Report, ctx: Context, findings) -> list[md.FindingView]:
    return [
        md.finding_view(
            f,
            blob_url=ctx.blob_url,
            inline=(f.path, f.fingerprint) in ctx.inline,
            help_uri=rule_for(report, f).help_uri,
        )
        for f in findings
    ]


def _verdict(report: Report, ctx: Context, fail_on: str) -> tuple[str, str]:
    s = report.summary
    head = md.code(ctx.head_sha[:7]) if ctx.head_sha else "this commit"
    if ctx.nothing_changed:
        return "✅", f"No Alembic revision file is added or changed at {head}: nothing to check."
    if s.errors or s.warnings:
        icon = "❌" if report.fails(fail_on) else "⚠️"
        found = ", ".join(x for x in (s.errors and plural(s.errors, "error"), s.warnings and plural(s.warnings, "warning")) if x)
        return icon, f"Found {found} in {plural(s.files, 'revision file')} at {head}."
    tail = f" ({plural(s.bypassed, 'bypassed finding')} listed below)" if s.bypassed else ""
    return "✅", f"All clear: no destructive operation in {plural(s.files, 'revision file')} at {head}{tail}."


def _common(report: Report, ctx: Context, fail_on: str) -> dict:
    ordered = by_severity(report.active)
    icon, verdict = _verdict(report, ctx, fail_on)
    return dict(
        icon=icon,
        verdict=verdict,
        errors=_views(report, ctx, [f for f in ordered if f.severity is Severity.ERROR]),
        warnings=_views(report, ctx, [f for f in ordered if f.severity is Severity.WARNING]),
        bypassed=_views(report, ctx, sorted(report.bypassed, key=Finding.sort_key)),
        files=[md.code(p, 300) for p in report.files],
        notes=[md.text(n, 1000) for n in ctx.notes],
    )


def pr_summary(report: Report, ctx: Context, fail_on: str, inline_limit: int) -> str:
    view = _common(report, ctx, fail_on)
    active = report.active
    not_inline = sum((f.path, f.fingerprint) not in ctx.inline for f in active)
    job_link = f"[job summary]({ctx.run_url})" if ctx.run_url else "job summary"
    return md.render_within(
        "pr_summary.md.j2",
        COMMENT_LIMIT,
        marker=SUMMARY_MARKER,
        not_inline=not_inline,
        inline_limit=inline_limit,
        bypass_token=_bypass_token(ctx),
        head=md.code(ctx.head_sha[:7]) if ctx.head_sha else "",
        run_url=ctx.run_url,
        job_link=job_link,
        **view,
    )


def _bypass_token(ctx: Context) -> str:
    """The bypass token goes into a code block; it is one word without spaces (config checks)."""
    return "".join(c for c in ctx.bypass_token if c.isalnum() or c in "_:-.") or "CI:DESTRUCTIVE_OK"


def job_summary(report: Report, ctx: Context, fail_on: str, limit: int) -> str:
    view = _common(report, ctx, fail_on)
    return md.render_within("job_summary.md.j2", limit, measure=lambda s: len(s.encode("utf-8")), **view)


def review_comment(report: Report, ctx: Context, finding: Finding, marker: str) -> str:
    view = md.finding_view(finding, help_uri=rule_for(report, finding).help_uri)
    return md.render("review_comment.md.j2", f=view, marker=marker, bypass_token=_bypass_token(ctx))


def review_body(ctx: Context, marker: str, count: int, more: int) -> str:
    return md.render("review_body.md.j2", marker=marker, count=count, more=more, head=md.code(ctx.head_sha[:7]))
