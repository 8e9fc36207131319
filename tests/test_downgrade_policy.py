"""The downgrade policy, one setting deciding three things: whether ``downgrade()`` is read,
whether bypasses in code only it reaches count, and how its findings are reported."""
from __future__ import annotations

from pathlib import Path

import pytest

from migration_guard.config import ConfigError, Settings, from_table
from migration_guard.downgrade import DowngradePolicy
from migration_guard.engine import lint_paths

REVISION = '''\
from alembic import op
revision = "a1"
down_revision = None
def upgrade():
    op.drop_column("orders", "legacy")  # CI:DESTRUCTIVE_OK unused since 2024
def downgrade():
    op.drop_table("orders_archive")
    _cleanup()
def _cleanup():
    op.execute("SELECT 1")  # CI:DESTRUCTIVE_OK nothing to suppress here
'''


@pytest.mark.parametrize("policy,expect", [
    # MG211: both phases lock an existing table with no lock_timeout; the bypass covers its statement.
    ("ignore", [("MG102", 5, True, "error", "upgrade"), ("MG211", 5, True, "warning", "upgrade")]),
    ("warning", [("MG102", 5, True, "error", "upgrade"), ("MG211", 5, True, "warning", "upgrade"),
                 ("MG101", 7, False, "warning", "downgrade"), ("MG211", 7, False, "warning", "downgrade"),
                 ("MG903", 10, False, "warning", "module")]),
    ("error", [("MG102", 5, True, "error", "upgrade"), ("MG211", 5, True, "warning", "upgrade"),
               ("MG101", 7, False, "error", "downgrade"), ("MG211", 7, False, "warning", "downgrade"),
               ("MG903", 10, False, "warning", "module")]),
])
def test_one_policy_decides_reading_bypasses_and_severity(tmp_path: Path, policy: str, expect: list) -> None:
    path = tmp_path / "alembic" / "versions" / "a1_orders.py"
    path.parent.mkdir(parents=True)
    path.write_text(REVISION, encoding="utf-8")
    report = lint_paths([str(path)], from_table({"downgrade": policy}))
    got = [(f.code, f.line, f.bypassed, f.severity.value, f.phase.value) for f in report.findings]
    assert got == expect


def test_settings_hold_the_policy_whatever_spelling_they_were_given() -> None:
    assert Settings().downgrade is DowngradePolicy.IGNORE
    assert Settings(downgrade="warning").downgrade is DowngradePolicy.WARNING
    assert Settings().with_overrides(downgrade="error").downgrade is DowngradePolicy.ERROR
    with pytest.raises(ConfigError, match="downgrade: expected one of ignore, warning, error, got 'sometimes'"):
        Settings().with_overrides(downgrade="sometimes")
