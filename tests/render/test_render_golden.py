"""Every format, byte for byte, for the hand-built report (see render_fixtures.py)."""
from __future__ import annotations

import pytest

from render_fixtures import assert_golden, empty_report, full_report
from migration_guard.render import FORMATS
from migration_guard.render.text import render_text

EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif.json", "github": "github.txt"}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_full_report_matches_golden(fmt):
    assert_golden(f"full.{EXTENSIONS[fmt]}", FORMATS[fmt](full_report()))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_empty_report_matches_golden(fmt):
    assert_golden(f"empty.{EXTENSIONS[fmt]}", FORMATS[fmt](empty_report()))


def test_coloured_text_matches_golden():
    assert_golden("full.color.txt", render_text(full_report(), color=True))
