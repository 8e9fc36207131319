"""How a write to GitHub may fail, and how to retry a create without creating twice."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

import requests
from github import GithubException, RateLimitExceededException

from .client import time_scale

T = TypeVar("T")


class WriteDenied(Exception):
    """403/404/401 on a write: a read-only token (fork PR, Dependabot) or missing permission."""


def status_of(exc: BaseException) -> int | None:
    return exc.status if isinstance(exc, GithubException) else None


def is_denied(exc: BaseException) -> bool:
    return status_of(exc) in (401, 403, 404) and not isinstance(exc, RateLimitExceededException)


def is_transient(exc: BaseException) -> bool:
    """Worth one more try: 5xx, 429, rate limits, timeouts and broken connections."""
    status = status_of(exc)
    if status is not None:
        return status >= 500 or status == 429 or isinstance(exc, RateLimitExceededException)
    return isinstance(exc, requests.exceptions.RequestException)


def describe(exc: BaseException) -> str:
    """A short, token-free account of a failure for a warning line."""
    if isinstance(exc, GithubException):
        data = exc.data if isinstance(exc.data, dict) else {}
        message = data.get("message") or exc.message or ""
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            message = f"{message} ({'; '.join(str(e) for e in errors[:3])})"
        return f"HTTP {exc.status}: {message}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


def _pause(exc: BaseException) -> None:
    # a 429 without Retry-After asks for at least a minute; other hiccups for a moment
    seconds = 60.0 if status_of(exc) == 429 else 2.0
    time.sleep(seconds * time_scale())


def create_once(create: Callable[[], T], find: Callable[[], T | None]) -> T:
    """Create something at most once, even when an answer was lost.

    A POST that failed with a 5xx, 429, timeout or reset may still have been performed,
    so before the single retry look for what it would have created.
    """
    try:
        return create()
    except Exception as exc:
        if is_denied(exc):
            raise WriteDenied(describe(exc)) from None
        if not is_transient(exc):
            raise
        _pause(exc)
    found = find()
    if found is not None:
        return found
    try:
        return create()
    except Exception as exc:
        if is_denied(exc):
            raise WriteDenied(describe(exc)) from None
        raise


def guard_write(action: Callable[[], T]) -> T:
    """Run an idempotent write (PATCH, DELETE; PyGithub retries those) mapping denials."""
    try:
        return action()
    except Exception as exc:
        if is_denied(exc):
            raise WriteDenied(describe(exc)) from None
        raise
