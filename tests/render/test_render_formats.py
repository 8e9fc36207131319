from __future__ import annotations

import subprocess
import sys

import pytest

from migration_guard.render import FORMATS, render


def test_every_format_is_registered_and_returns_text(report, empty_report):
    assert set(FORMATS) == {"text", "json", "sarif", "github"}
    for name, render in FORMATS.items():
        for value in (report, empty_report):
            out = render(value)
            assert isinstance(out, str), name
            assert out == "" or out.endswith("\n"), name
            assert render(value) == out, f"{name} is not deterministic"


def test_renderers_do_not_import_rules_or_engine():
    code = (
        "import sys, migration_guard.render;"
        "bad = sorted(m for m in sys.modules if m.startswith(('migration_guard.rules', 'migration_guard.engine',"
        " 'migration_guard.parse', 'migration_guard.github', 'jinja2', 'github')));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_render_passes_terminal_options_to_text_only(report):
    assert "\x1b[" in render("text", report, color=True)
    assert '"# MY_TOKEN <why' in render("text", report, bypass_token="MY_TOKEN")
    assert render("text", report) == FORMATS["text"](report)
    for fmt in ("json", "sarif", "github"):
        assert render(fmt, report, color=True, bypass_token="X") == FORMATS[fmt](report)
    with pytest.raises(KeyError):
        render("xml", report)
