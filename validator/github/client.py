"""A PyGithub client whose retries can never post a comment twice.

PyGithub's default retry re-sends a POST after a 5xx, so a review that GitHub created
but answered with 502 is created again. ``SafeRetry`` leaves every POST that may have
reached GitHub to the application (which lists before it retries); rate-limit answers
(403 secondary limit, 429 with ``Retry-After``) mean nothing was created and are
retried here.
"""
from __future__ import annotations

import os

from github import Auth, Github, GithubRetry

DEFAULT_API_URL = "https://api.github.com"


def time_scale() -> float:
    """Multiplies every wait (pacing, backoff, Retry-After). Tests set it near 0."""
    try:
        return max(0.0, float(os.environ.get("MG_GITHUB_TIME_SCALE", "1")))
    except ValueError:
        return 1.0


class SafeRetry(GithubRetry):
    def __init__(self, *args, scale: float = 1.0, **kwargs):
        self.scale = scale
        super().__init__(*args, **kwargs)

    def new(self, **kw):
        retry = super().new(**kw)
        retry.scale = self.scale
        return retry

    def is_retry(self, method, status_code, has_retry_after=False):
        if (method or "").upper() == "POST" and status_code >= 500:
            return False  # it may have been created: the caller lists before retrying
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        # A POST whose connection broke after sending (reset, timeout) may have been
        # performed: never re-send it here. Connect errors mean nothing was sent.
        if (method or "").upper() == "POST" and error is not None and not self._is_connection_error(error):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        return None if seconds is None else seconds * self.scale

    def get_backoff_time(self):
        return super().get_backoff_time() * self.scale


def _timeout() -> int:
    try:
        return max(1, int(os.environ.get("MG_GITHUB_TIMEOUT", "30")))
    except ValueError:
        return 30


def connect(token: str, api_url: str | None = None) -> Github:
    scale = time_scale()
    retry = SafeRetry(
        scale=scale,
        total=5,
        backoff_factor=1.0,
        secondary_rate_wait=60 * scale,
        max_rate_limit_wait=300,
        status_forcelist=[500, 502, 503, 504],
        allowed_methods={"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"},
    )
    return Github(
        auth=Auth.Token(token),
        base_url=(api_url or DEFAULT_API_URL).rstrip("/"),
        per_page=100,
        timeout=_timeout(),
        lazy=True,
        retry=retry,
        seconds_between_requests=0.25 * scale,
        seconds_between_writes=1.0 * scale,
        user_agent="migration-guard",
    )
