from __future__ import annotations

import subprocess
import sys

from validator.render import FORMATS


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
        "import sys, validator.render;"
        "bad = sorted(m for m in sys.modules if m.startswith(('validator.rules', 'validator.engine',"
        " 'validator.parse', 'validator.github', 'jinja2', 'github')));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
