"""What the workflow event says: which pull request, which commits, whether it is a fork."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PR_EVENTS = ("pull_request", "pull_request_target", "workflow_run")
ZERO_SHA = "0" * 40


class EventError(ValueError):
    """An event payload the action cannot use (missing file, bad JSON, missing keys)."""


@dataclass(frozen=True)
class Event:
    name: str
    repository: str  # owner/name of the repository the workflow runs in
    pr_number: int | None = None
    head_sha: str = ""
    base_sha: str = ""
    head_repository: str | None = None  # None when the fork was deleted
    changed_files: int | None = None
    before: str = ""  # push: the previous tip
    after: str = ""
    verify_head: bool = False  # workflow_run: the PR number came from an artifact; check its head

    @property
    def is_pull_request(self) -> bool:
        return self.name in PR_EVENTS and self.pr_number is not None

    @property
    def is_fork(self) -> bool:
        return self.is_pull_request and self.head_repository != self.repository

    @property
    def read_only(self) -> bool:
        """A fork PR under ``pull_request`` gets a read-only token; ``pull_request_target`` does not."""
        return self.name == "pull_request" and self.is_fork


def _sha(value: object) -> str:
    return value if isinstance(value, str) and len(value) == 40 and all(c in "0123456789abcdef" for c in value) else ""


def _workflow_run(payload: dict, repository: str, number: int | None) -> Event:
    """The ``workflow_run`` half of the fork-comment pattern: comment on the PR that run checked.

    GitHub leaves ``pull_requests`` empty for fork heads, so the number may come from the
    ``pull-request`` input (read from the first workflow's artifact); the action then checks
    that this PR's head is the commit the first workflow ran on before posting anything.
    """
    run = payload.get("workflow_run")
    if not isinstance(run, dict):
        raise EventError("workflow_run event without workflow_run")
    head_sha = _sha(run.get("head_sha"))
    head_repo = run.get("head_repository") if isinstance(run.get("head_repository"), dict) else {}
    for pr in run.get("pull_requests") or []:
        if isinstance(pr, dict) and isinstance(pr.get("number"), int) and (pr.get("head") or {}).get("sha") == head_sha:
            number = number or pr["number"]
            break
    return Event(name="workflow_run", repository=repository, pr_number=number, head_sha=head_sha,
                 head_repository=head_repo.get("full_name"), verify_head=True)


def load(name: str, path: str | None, repository: str, pr_number: int | None = None) -> Event:
    payload: dict = {}
    if path:
        try:
            payload = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EventError(f"cannot read the event payload {path}: {exc}") from None
        if not isinstance(payload, dict):
            raise EventError("the event payload is not a JSON object")
    repo = (payload.get("repository") or {}).get("full_name") if isinstance(payload.get("repository"), dict) else None
    repository = repo or repository
    if name == "workflow_run":
        return _workflow_run(payload, repository, pr_number)
    if name in PR_EVENTS:
        pr = payload.get("pull_request")
        if not isinstance(pr, dict) or not isinstance(pr.get("number"), int):
            raise EventError(f"{name} event without pull_request.number")
        head, base = pr.get("head") or {}, pr.get("base") or {}
        if not _sha(head.get("sha")):
            raise EventError(f"{name} event without a valid pull_request.head.sha")
        head_repo = head.get("repo") if isinstance(head.get("repo"), dict) else None
        changed = pr.get("changed_files")
        return Event(
            name=name,
            repository=repository,
            pr_number=pr["number"],
            head_sha=_sha(head.get("sha")),
            base_sha=_sha(base.get("sha")),
            head_repository=head_repo.get("full_name") if head_repo else None,
            changed_files=changed if isinstance(changed, int) else None,
        )
    return Event(name=name, repository=repository, before=_sha(payload.get("before")), after=_sha(payload.get("after")))
