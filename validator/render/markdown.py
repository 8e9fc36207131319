"""Markdown for GitHub: a ``Report`` turned into the PR summary comment, the inline
review comments, the review body and the job summary.

This module owns every step: the escapers, the escaped ``FindingView``, the view each
template shows and the templates in ``render/templates``. The caller (``github/``)
supplies the facts of the run (``Context``) and GitHub's limits and markers.

Every string that came from a repository (paths, table names, SQL, bypass reasons) goes
through one of the escapers below before it reaches a template, so a crafted revision
cannot open an HTML comment (and forge our hidden markers), notify someone with an
@mention, or break the surrounding Markdown. Templates only lay out what Python prepared;
autoescape is off because the escaping is Markdown's, not HTML's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import quote

import jinja2

from ..model import BYPASS_TOKEN, Finding, Report, Severity
from ._common import by_severity, plural, rule_for, visible

ZWSP = "\u200b"

# ASCII punctuation that can start or close Markdown structure; a backslash before any of
# them renders the character itself on GitHub. ``&``, ``<`` and ``>`` become entities
# instead, so the raw text never holds ``<!--`` (marker lookups search raw bodies).
_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:=$^\"'])")
_BACKTICKS = re.compile(r"`+")


def _neutralize(text: str) -> str:
    """Break what acts even inside code: HTML comment delimiters (markers) and mentions."""
    text = text.replace("<!--", "<!" + ZWSP + "--").replace("-->", "--" + ZWSP + ">")
    return text.replace("@", "@" + ZWSP)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text(value: Any, limit: int = 500) -> str:
    """Inline Markdown text: one line, every special character rendered literally."""
    value = visible(" ".join(str(value).split()))
    value = clip(value, limit)
    value = _PUNCT.sub(r"\\\1", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("@", "@" + ZWSP)


def code(value: Any, limit: int = 300, *, table: bool = False) -> str:
    """An inline code span whose fence is longer than any backtick run inside it."""
    value = clip(visible(" ".join(str(value).split())), limit)
    if not value:
        return ""
    value = _neutralize(value)
    if table:  # GFM splits table cells on | even inside code spans
        value = value.replace("|", "\\|")
    longest = max((len(m) for m in _BACKTICKS.findall(value)), default=0)
    fence = "`" * (longest + 1)
    if value.startswith("`") or value.endswith("`") or (value.startswith(" ") and value.endswith(" ")):
        value = f" {value} "
    return f"{fence}{value}{fence}"


def code_block(value: Any, limit: int = 2000, lang: str = "") -> str:
    """A fenced block (blank-line safe inside ``<details>``); no line of it can close the fence."""
    body = clip(visible(str(value).replace("\r\n", "\n").strip("\n"), keep_newlines=True), limit)
    body = _neutralize(body)
    longest = max((len(m) for m in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{body}\n{fence}"


def url_path(path: str) -> str:
    return quote(path, safe="/")


@dataclass(frozen=True)
class FindingView:
    """A finding with every field already escaped for Markdown."""

    code: str
    rule: str
    severity: str
    phase: str
    location: str  # a link to the line, or the plain escaped path:line
    message: str
    statement: str  # an inline code span (table-safe)
    statement_block: str  # a fenced block, for review comments
    reason: str
    inline: bool  # an inline review comment covers it
    help: str


def finding_view(f: Finding, *, blob_url: str = "", inline: bool = False, help_uri: str = "") -> FindingView:
    label = text(f"{f.path}:{f.line}", 300)
    location = f"[{label}]({blob_url}/{url_path(f.path)}#L{f.line})" if blob_url else label
    return FindingView(
        code=text(f.code, 20),
        rule=text(f.rule, 60),
        severity=f.severity.value,
        phase=f.phase.value,
        location=location,
        message=text(f.message, 500),
        statement=code(f.statement, 200, table=True) if f.statement else "",
        statement_block=code_block(f.statement, 1500, _language(f.statement)) if f.statement else "",
        reason=text(f.bypass_reason or "", 300),
        inline=inline,
        help=help_uri,
    )


_CALL = re.compile(r"[A-Za-z_][\w.]*\(")


def _language(statement: str) -> str:
    """``op.drop_table(...)`` is Python; everything else a finding quotes is SQL."""
    return "python" if _CALL.match(statement) else "sql"


_ENV: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = jinja2.Environment(
            loader=jinja2.PackageLoader(__name__.split(".")[0], "render/templates"),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
    return _ENV


def render(template: str, **view: Any) -> str:
    return environment().get_template(template).render(**view)


def render_within(template: str, limit: int, measure=len, **view: Any) -> str:
    """Render with ever shorter lists (``row_limit``) until the text fits in ``limit``.

    The last resort cuts the text and says where the rest is; the templates print the
    pointer to the job summary whenever a list was shortened.
    """
    for rows in (None, 200, 50, 10, 0):
        out = render(template, row_limit=rows, **view)
        if measure(out) <= limit:
            return out
    note = "\n\n… truncated: the full report is in the job summary of this run.\n"
    while measure(out) + measure(note) > limit:
        out = out[: max(0, len(out) - max(1, (measure(out) + measure(note) - limit)))]
    return out + note


# -- the views -------------------------------------------------------------------------


@dataclass
class Context:
    """Facts about the run that the surfaces mention."""

    head_sha: str = ""
    blob_url: str = ""  # <server>/<repo>/blob/<sha>, for links to lines
    run_url: str = ""
    bypass_token: str = BYPASS_TOKEN
    inline: set[tuple[str, str]] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)  # plain text; escaped here
    nothing_changed: bool = False


def _views(report: Report, ctx: Context, findings: Iterable[Finding]) -> list[FindingView]:
    return [
        finding_view(
            f,
            blob_url=ctx.blob_url,
            inline=(f.path, f.fingerprint) in ctx.inline,
            help_uri=rule_for(report, f).help_uri,
        )
        for f in findings
    ]


def _verdict(report: Report, ctx: Context, fail_on: str) -> tuple[str, str]:
    s = report.summary
    head = code(ctx.head_sha[:7]) if ctx.head_sha else "this commit"
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
        files=[code(p, 300) for p in report.files],
        notes=[text(n, 1000) for n in ctx.notes],
    )


def pr_summary(report: Report, ctx: Context, fail_on: str, inline_limit: int, *, marker: str, limit: int) -> str:
    """The summary comment: ``marker`` on its first line, at most ``limit`` characters."""
    view = _common(report, ctx, fail_on)
    active = report.active
    not_inline = sum((f.path, f.fingerprint) not in ctx.inline for f in active)
    job_link = f"[job summary]({ctx.run_url})" if ctx.run_url else "job summary"
    return render_within(
        "pr_summary.md.j2",
        limit,
        marker=marker,
        not_inline=not_inline,
        inline_limit=inline_limit,
        bypass_token=_bypass_token(ctx),
        head=code(ctx.head_sha[:7]) if ctx.head_sha else "",
        run_url=ctx.run_url,
        job_link=job_link,
        **view,
    )


def _bypass_token(ctx: Context) -> str:
    """The bypass token goes into a code block; it is one word without spaces (config checks)."""
    return "".join(c for c in ctx.bypass_token if c.isalnum() or c in "_:-.") or BYPASS_TOKEN


def job_summary(report: Report, ctx: Context, fail_on: str, limit: int) -> str:
    """The job summary, at most ``limit`` bytes."""
    view = _common(report, ctx, fail_on)
    return render_within("job_summary.md.j2", limit, measure=lambda s: len(s.encode("utf-8")), **view)


def review_comment(report: Report, ctx: Context, finding: Finding, marker: str) -> str:
    view = finding_view(finding, help_uri=rule_for(report, finding).help_uri)
    return render("review_comment.md.j2", f=view, marker=marker, bypass_token=_bypass_token(ctx))


def review_body(ctx: Context, marker: str, count: int, more: int) -> str:
    return render("review_body.md.j2", marker=marker, count=count, more=more, head=code(ctx.head_sha[:7]))
