"""The one summary comment on a pull request: found by its hidden marker, edited in place."""
from __future__ import annotations

from .markers import COMMENT_LIMIT, SUMMARY_MARKER, is_actions_bot, is_bot, login
from .writes import create_once, guard_write


def find_ours(issue) -> list:
    """Bot comments that begin with our marker (a quote of ours does not), github-actions[bot]'s first."""
    found = [c for c in issue.get_comments() if is_bot(c.user) and (c.body or "").startswith(SUMMARY_MARKER)]
    return sorted(found, key=lambda c: not is_actions_bot(c.user))


def upsert(issue, body: str, *, create: bool = True) -> str:
    """Create or edit our comment and delete duplicates; returns what was done.

    ``create=False`` only edits an existing comment: a clean first run stays silent.
    """
    if not body.startswith(SUMMARY_MARKER):
        body = f"{SUMMARY_MARKER}\n{body}"
    if len(body) > COMMENT_LIMIT:  # the renderer keeps within it; never send what GitHub refuses
        body = body[: COMMENT_LIMIT - 80] + "\n\n… truncated: the full report is in the job summary.\n"
    ours = find_ours(issue)
    if not ours:
        if not create:
            return "skipped"
        created = create_once(lambda: issue.create_comment(body), lambda: next(iter(find_ours(issue)), None))
        ours = [created]
        outcome = "created"
    else:
        outcome = "unchanged"
    first, *duplicates = ours
    if first.body != body:
        guard_write(lambda: first.edit(body))
        outcome = "updated" if outcome == "unchanged" else outcome
    for duplicate in duplicates:  # left by concurrent runs or a lost answer
        if login(duplicate.user) == login(first.user):  # never another account's comment
            guard_write(duplicate.delete)
    return outcome
