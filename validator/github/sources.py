"""Which revision files a run lints, and their contents: read as bytes, never executed."""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..discover import matches

LINTED_STATUSES = ("added", "modified", "renamed", "copied", "changed")
MAX_PR_FILES = 3000  # GET /pulls/{n}/files stops there
MAX_COMPARE_FILES = 300  # GET /compare/{base}...{head} lists no more
NEW_BRANCH = "no previous commit to compare with (new branch or shallow clone)"
_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class ChangedFile:
    path: str
    status: str
    patch: str | None = None
    blob_sha: str | None = None  # the file's git blob at the head commit


def pr_files(pull) -> list[ChangedFile]:
    """Every page of the pull request's files (renames under their new name)."""
    return [ChangedFile(f.filename, f.status, f.patch, f.sha) for f in pull.get_files()]


def revisions_among(files: Iterable[ChangedFile], globs: Sequence[str], exclude: Sequence[str]) -> list[ChangedFile]:
    return [f for f in files if f.status in LINTED_STATUSES and matches(f.path, globs, exclude)]


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _git(workspace: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-c", f"safe.directory={workspace}", "-C", str(workspace), *args],
            capture_output=True, timeout=60, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.decode("utf-8", "surrogateescape") if done.returncode == 0 else None


def git_changed(workspace: Path, base: str, head: str) -> list[str] | None:
    """Paths added, modified, renamed or copied between two commits; None when git cannot tell.

    A shallow clone lacks ``base``; a new branch has no previous commit at all.
    """
    if not base or set(base) == {"0"}:
        return None
    out = _git(workspace, "diff", "--name-status", "-z", "-M", f"{base}", f"{head or 'HEAD'}", "--")
    if out is None:
        return None
    fields, paths, i = out.split("\0"), [], 0
    while i < len(fields) and fields[i]:
        status = fields[i][:1]
        if status in ("R", "C"):
            paths.append(fields[i + 2])
            i += 3
        else:
            if status != "D":
                paths.append(fields[i + 1])
            i += 2
    return paths


def api_changed(repo, base: str, head: str) -> tuple[list[str] | None, str]:
    """Paths added, modified, renamed or copied between two commits, from the compare API.

    None, with the reason, when the API cannot tell: it failed, or it listed as many files
    as it ever lists, so the list may be cut short.
    """
    try:
        files = repo.compare(base, head).files
    except Exception as exc:  # noqa: BLE001 - any failure means: cannot tell
        return None, f"the compare API failed ({type(exc).__name__})"
    if len(files) >= MAX_COMPARE_FILES:
        return None, f"the compare API lists at most {MAX_COMPARE_FILES} changed files"
    return [f.filename for f in files if f.status in LINTED_STATUSES], ""


def changed_since(workspace: Path, base: str, head: str, open_repo: Callable[[], object] | None = None
                  ) -> tuple[list[str] | None, str]:
    """Paths changed between two commits, and why not when nothing can tell.

    git answers when it is installed and the clone holds both commits; else the compare API
    of the repository ``open_repo`` returns (the action's image has no git). None means:
    lint every revision, and say why.
    """
    if not base or set(base) == {"0"}:
        return None, NEW_BRANCH
    changed = git_changed(workspace, base, head)
    if changed is not None:
        return changed, ""
    since = f"cannot tell what changed since {base[:7] if _SHA.fullmatch(base) else base[:40]}"
    git_reason = "git cannot compare them (shallow clone?)" if shutil.which("git") else "git is not installed"
    if open_repo is None or not (_SHA.fullmatch(base) and _SHA.fullmatch(head or "")):
        return None, f"{since}: {git_reason}"
    changed, api_reason = api_changed(open_repo(), base, head)
    if changed is not None:
        return changed, ""
    return None, f"{since}: {git_reason} and {api_reason}"


def read_workspace(workspace: Path, path: str) -> bytes | OSError:
    target = (workspace / path).resolve()
    try:
        target.relative_to(workspace.resolve())  # a path from an API answer stays inside
        return target.read_bytes()
    except ValueError:
        return OSError(f"{path}: outside the workspace")
    except OSError as exc:
        return exc


def read_head(workspace: Path, changed: ChangedFile, fetch) -> tuple[bytes | OSError, str]:
    """The file as it is at the head commit, and where it came from.

    The workspace copy is used only when its git blob hash equals the head's, which also
    makes it safe under ``pull_request_target`` (the bytes are the head's, whatever was
    checked out); otherwise the contents API is asked at the head commit.
    """
    local = read_workspace(workspace, changed.path)
    if isinstance(local, bytes) and changed.blob_sha and blob_sha(local) == changed.blob_sha:
        return local, "workspace"
    try:
        return fetch(changed.path), "api"
    except Exception as exc:  # noqa: BLE001 - any failure: fall back, say so
        if isinstance(local, bytes):
            return local, f"workspace (the API failed: {type(exc).__name__})"
        return OSError(f"{changed.path}: cannot read it at the head commit ({type(exc).__name__})"), "unreadable"


def project_files(workspace: Path, revisions: Iterable[str], skip: Iterable[str]) -> list[tuple[str, bytes | OSError]]:
    """The other revision files of the workspace, for the revision-graph rules."""
    skipped = set(skip)
    return [(p, read_workspace(workspace, p)) for p in revisions if p not in skipped]
