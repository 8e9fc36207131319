"""One COMMENT review per run, holding only comments that were never posted before.

Each inline comment carries a fingerprint that ignores the line number, so a re-run or a
push that moves lines finds its earlier comment and posts nothing twice.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from github import GithubException

from .diff import placement
from .markers import (
    FP_MARKER, FP_RE, MAX_NEW_COMMENTS, REVIEW_MARKER, REVIEW_RE, is_actions_bot, login,
)
from .writes import create_once, describe
from ..model import Finding
from ..render import by_severity



@dataclass
class ReviewResult:
    inline: set[tuple[str, str]] = field(default_factory=set)  # (path, fingerprint) with a comment
    posted: int = 0
    notes: list[str] = field(default_factory=list)


def posted_fingerprints(pull) -> set[tuple[str, str]]:
    """Every fingerprint our earlier comments carry, across all pages (outdated ones too).

    A fingerprint in someone else's comment (a person quoting ours, another bot) does not
    count: ours come from github-actions[bot], or, with another token, sit in a review that
    carries our review marker and was written by the same account. The reviews are listed
    only when such a comment exists.
    """
    seen, others = set(), []
    for comment in pull.get_review_comments():
        fingerprints = FP_RE.findall(comment.body or "")
        if not fingerprints:
            continue
        if is_actions_bot(comment.user):
            seen.update((comment.path, fp) for fp in fingerprints)
        else:
            others.append((comment, fingerprints))
    if others:
        ours = {(r.id, login(r.user)) for r in pull.get_reviews() if REVIEW_RE.search(r.body or "")}
        for comment, fingerprints in others:
            if (comment.pull_request_review_id, login(comment.user)) in ours:
                seen.update((comment.path, fp) for fp in fingerprints)
    return seen


def candidates(findings: Iterable[Finding], commentable: dict[str, dict[int, int]]):
    """Active findings, most severe first, that have a place inside the diff."""
    for f in by_severity(x for x in findings if not x.bypassed):
        lines = commentable.get(f.path)
        where = placement(lines, f.line, max(f.line, f.end_line)) if lines else None
        if where is not None:
            yield f, where


def post(
    repo,
    pull,
    head_sha: str,
    findings: Sequence[Finding],
    commentable: dict[str, dict[int, int]],
    comment_body: Callable[[Finding, str], str],
    review_body: Callable[[str, int, int], str],
) -> ReviewResult:
    """Post the new inline comments as one review; findings that do not fit stay for the summary.

    ``WriteDenied`` and unexpected errors propagate to the caller, which degrades.
    """
    result = ReviewResult()
    placed = list(candidates(findings, commentable))
    if not placed:
        return result  # nothing could go inline: do not even list the comments
    existing = posted_fingerprints(pull)
    new, queued = [], set()
    for f, where in placed:
        key = (f.path, f.fingerprint)
        if key in existing:
            result.inline.add(key)
        elif key not in queued:
            queued.add(key)
            new.append((f, where))
    if not new:
        return result
    chosen, overflow = new[:MAX_NEW_COMMENTS], len(new) - MAX_NEW_COMMENTS
    marker = REVIEW_MARKER.format(sha=head_sha, run=uuid.uuid4().hex[:12])
    comments = [
        {"path": f.path, "body": comment_body(f, FP_MARKER.format(f.fingerprint)), **where} for f, where in chosen
    ]
    body = review_body(marker, len(chosen), max(0, overflow))

    def find():
        return next((r for r in pull.get_reviews() if marker in (r.body or "")), None)

    try:
        create_once(
            lambda: pull.create_review(
                commit=repo.get_commit(head_sha), body=body, event="COMMENT", comments=comments
            ),
            find,
        )
    except GithubException as exc:
        if exc.status != 422:
            raise
        # GitHub rejects the whole review when one line is not part of the diff; the
        # pre-filter should prevent it, and the summary comment still lists everything
        result.notes.append(f"GitHub rejected the inline review ({describe(exc)}); all findings are listed here.")
        return result
    result.posted = len(chosen)
    result.inline.update((f.path, f.fingerprint) for f, _ in chosen)
    return result
