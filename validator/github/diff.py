"""Which lines of a file a review comment may sit on: RIGHT-side lines inside the hunks."""
from __future__ import annotations

import re

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def commentable_lines(patch: str | None) -> dict[int, int]:
    """New-file line number -> hunk index, for added and context lines.

    A missing patch (binary, too large, pure rename) makes nothing commentable: GitHub
    rejects the whole review when one comment is outside the diff.
    """
    lines: dict[int, int] = {}
    hunk, line = -1, 0
    for raw in (patch or "").split("\n"):
        match = _HUNK.match(raw)
        if match:
            hunk, line = hunk + 1, int(match.group(1))
        elif hunk < 0 or raw.startswith("\\"):
            continue  # before the first hunk, or "\ No newline at end of file"
        elif raw.startswith(("+", " ")):
            lines[line] = hunk
            line += 1
        # "-" lines exist only on the LEFT side
    return lines


def placement(lines: dict[int, int], start: int, end: int) -> dict | None:
    """Where a comment on ``start..end`` can go: a range within one hunk, one line, or nowhere."""
    if end > start and start in lines and end in lines and lines[start] == lines[end]:
        return {"start_line": start, "start_side": "RIGHT", "line": end, "side": "RIGHT"}
    if start in lines:
        return {"line": start, "side": "RIGHT"}
    if end in lines:
        return {"line": end, "side": "RIGHT"}
    return None
