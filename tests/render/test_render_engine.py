"""End to end: real engine output through every renderer.

Assertions hold whatever rules are registered, so the test stays valid as rules land:
a crafted revision must never make a renderer crash, emit a workflow command or
produce invalid JSON/SARIF.
"""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from migration_guard.config import Settings
from migration_guard.engine import lint_sources
from migration_guard.render import FORMATS

CRAFTED = b'''"""Crafted revision: ::error::from-docstring ##[error]legacy"""
from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    op.drop_table("users")
    op.execute("DROP TABLE t; -- ::add-mask::x ##[stop-commands]tok \\x1b[31m")


def downgrade():
    pass
'''
BROKEN = "def upgrade(:  # ##[error]pwned \u202e ::error::x\n".encode()
SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def _report():
    return lint_sources(
        [("alembic/versions/a1_crafted.py", CRAFTED), ("alembic/versions/b2_broken.py", BROKEN)], Settings()
    )


def test_engine_report_renders_safely_in_every_format():
    report = _report()
    assert any(f.code == "MG901" and f.path == "alembic/versions/b2_broken.py" for f in report.findings)
    outputs = {name: render(report) for name, render in FORMATS.items()}

    for name in ("text", "json", "sarif"):
        for line in outputs[name].splitlines():
            assert not line.lstrip().startswith("::") and "##[" not in line, (name, line)

    github = outputs["github"].splitlines()
    assert len(github) == len(report.findings)
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in github)
    assert not any("##[" in line for line in github)

    data = json.loads(outputs["json"])
    assert len(data["findings"]) == len(report.findings)
    assert data["files"] == ["alembic/versions/a1_crafted.py", "alembic/versions/b2_broken.py"]

    sarif = json.loads(outputs["sarif"])
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(sarif)) == []
    assert len(sarif["runs"][0]["results"]) == len(report.findings)
