"""Hidden markers that let a later run find what an earlier one posted (no PyGithub import)."""
from __future__ import annotations

import re

SUMMARY_MARKER = "<!-- migration-guard:summary -->"
FP_MARKER = "<!-- migration-guard:fp={} -->"
FP_RE = re.compile(r"<!-- migration-guard:fp=([0-9a-f]{16}) -->")
REVIEW_MARKER = "<!-- migration-guard:review sha={sha} run={run} -->"
COMMENT_LIMIT = 65_536  # "Body is too long (maximum is 65536 characters)"
MAX_NEW_COMMENTS = 30  # per run, like reviewdog: more reads as spam and risks abuse limits


def is_ours(user) -> bool:
    """Comments by a bot (github-actions[bot] for GITHUB_TOKEN); the marker tells which bot."""
    return getattr(user, "type", None) == "Bot"
