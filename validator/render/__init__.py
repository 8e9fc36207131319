"""Renderers: each takes a ``Report`` and returns text; none does IO or knows a rule.

``FORMATS`` maps a ``--format`` value to its renderer. Every renderer's output ends
with a newline (or is empty), so the CLI writes it as is.
"""
from __future__ import annotations

from typing import Callable

from ..model import BYPASS_TOKEN, Report
from ._common import by_severity, plural, visible
from .github import render_github
from .json_format import render_json
from .sarif import render_sarif
from .text import render_text

FORMATS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}



def render(fmt: str, report: Report, *, color: bool = False, bypass_token: str = BYPASS_TOKEN) -> str:
    """The CLI's one call: terminal options reach the text format only.

    ``color`` should be true only when stdout is a tty and ``NO_COLOR`` is unset;
    ``bypass_token`` is the configured token, quoted in the text format's hint.
    An unknown ``fmt`` raises ``KeyError`` (the CLI restricts ``--format`` choices to ``FORMATS``).
    """
    if fmt == "text":
        return render_text(report, color=color, bypass_token=bypass_token)
    return FORMATS[fmt](report)


__all__ = ["FORMATS", "by_severity", "plural", "visible", "render", "render_text", "render_json", "render_sarif", "render_github"]
