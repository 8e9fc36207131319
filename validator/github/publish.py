"""The pull request surfaces: one review with the new inline comments, one summary comment."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

from . import commands, review, summary
from .diff import commentable_lines
from .event import Event
from .markers import COMMENT_LIMIT, MAX_NEW_COMMENTS, SUMMARY_MARKER
from .sources import ChangedFile
from .writes import WriteDenied, describe
from ..model import Report
from ..render import markdown as md

FORK_NOTE = (
    "this pull request comes from a fork, so the token is read-only: findings are reported through "
    "annotations, the job summary and the exit code (see the workflow_run pattern in the docs for comments)"
)


def publish(repo, pull, event: Event, report: Report, changed: Sequence[ChangedFile], context: md.Context, *,
            review_comments: bool, summary_comment: bool, fail_on: str, warn: Callable[[str], None]) -> None:
    """Post what is new on ``pull``; any failure goes to ``warn`` and never touches the exit code.

    ``changed`` are the pull request's revision files (their patches place inline comments);
    ``context`` holds the facts of the run the Markdown mentions.
    """
    if event.read_only:
        warn(FORK_NOTE)
        return
    if not (review_comments or summary_comment):
        return
    result = review.ReviewResult()
    if review_comments and report.active:
        commentable = {f.path: commentable_lines(f.patch) for f in changed if f.patch}
        try:
            result = review.post(
                repo, pull, event.head_sha, report.findings, commentable,
                lambda f, marker: md.review_comment(report, context, f, marker),
                lambda marker, n, more: md.review_body(context, marker, n, more),
            )
        except WriteDenied as exc:
            warn(f"no permission to review ({exc}): grant pull-requests: write; degraded to annotations")
            return
        except Exception as exc:  # noqa: BLE001 - advisory surface: warn and go on
            warn(f"could not post the review: {describe(exc)}")
        for note in result.notes:
            warn(note)
        if result.posted:
            commands.log(f"posted a review with {result.posted} new inline comments")
    if not summary_comment:
        return
    body = md.pr_summary(report, replace(context, inline=set(result.inline), notes=list(result.notes)), fail_on,
                         MAX_NEW_COMMENTS, marker=SUMMARY_MARKER, limit=COMMENT_LIMIT)
    try:
        outcome = summary.upsert(repo.get_issue(event.pr_number), body, create=bool(report.findings))
    except WriteDenied as exc:
        warn(f"no permission to comment ({exc}): grant pull-requests: write; degraded to annotations")
        return
    except Exception as exc:  # noqa: BLE001
        warn(f"could not update the summary comment: {describe(exc)}")
        return
    commands.log(f"summary comment {outcome}")
