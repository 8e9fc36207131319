"""The pull request surfaces: one review with the new inline comments, one summary comment."""
from __future__ import annotations

from validator.github import commands, review, summary, views
from validator.github.diff import commentable_lines
from validator.github.markers import MAX_NEW_COMMENTS
from validator.github.writes import WriteDenied, describe
from validator.model import Report

FORK_NOTE = (
    "this pull request comes from a fork, so the token is read-only: findings are reported through "
    "annotations, the job summary and the exit code (see the workflow_run pattern in the docs for comments)"
)


def publish(action, plan, report: Report) -> None:
    """Post what is new; any failure becomes a warning and never touches the exit code."""
    event, inputs = action.event, action.inputs
    if event.read_only:
        action.warn(FORK_NOTE)
        return
    if not (inputs.review or inputs.comment):
        return
    result = review.ReviewResult()
    if inputs.review and report.active:
        commentable = {f.path: commentable_lines(f.patch) for f in plan.changed if f.patch}
        try:
            result = review.post(
                action.repo, action.pull, event.head_sha, report.findings, commentable,
                lambda f, marker: views.review_comment(report, action.context(plan), f, marker),
                lambda marker, n, more: views.review_body(action.context(plan), marker, n, more),
            )
        except WriteDenied as exc:
            action.warn(f"no permission to review ({exc}): grant pull-requests: write; degraded to annotations")
            return
        except Exception as exc:  # noqa: BLE001 - advisory surface: warn and go on
            action.warn(f"could not post the review: {describe(exc)}")
        for note in result.notes:
            action.warn(note)
        if result.posted:
            commands.log(f"posted a review with {result.posted} new inline comments")
    if not inputs.comment:
        return
    body = views.pr_summary(report, action.context(plan, result.inline, result.notes), action.settings.fail_on,
                            MAX_NEW_COMMENTS)
    try:
        outcome = summary.upsert(action.repo.get_issue(event.pr_number), body, create=bool(report.findings))
    except WriteDenied as exc:
        action.warn(f"no permission to comment ({exc}): grant pull-requests: write; degraded to annotations")
        return
    except Exception as exc:  # noqa: BLE001
        action.warn(f"could not update the summary comment: {describe(exc)}")
        return
    commands.log(f"summary comment {outcome}")
