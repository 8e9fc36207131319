"""Renderers: each takes a ``Report`` and returns text; none does IO or knows a rule.

``FORMATS`` maps a ``--format`` value to its renderer. Every renderer's output ends
with a newline (or is empty), so the CLI writes it as is.
"""
from __future__ import annotations

from typing import Callable

from validator.model import Report
from validator.render.github import render_github
from validator.render.json_format import render_json
from validator.render.sarif import render_sarif
from validator.render.text import render_text

FORMATS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}

__all__ = ["FORMATS", "render_text", "render_json", "render_sarif", "render_github"]
