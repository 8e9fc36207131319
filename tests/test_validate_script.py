"""scripts/validate-migration.sh: the record's CI validator contract, run for real.

Each test writes a revision file to a temp dir and runs the script as a
subprocess, the way CI's `for migration in ...; do ./scripts/validate-migration.sh
"$migration"; done` loop does. The script calls the real engine, so these tests
cover the wrapper and the engine's verdict on the record's own cases together.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "validate-migration.sh"

HEADER = "--- [CI Safety Validator] Analyzing: {} ---"
PASSED = "✅ VALIDATION PASSED: No destructive patterns found."
FAILED = "⛔️ VALIDATION FAILED: This migration contains destructive operations."

# The record's grep -iE patterns, kept here only to show which cases below the
# old script got wrong.
OLD_PATTERNS = [
    "DROP TABLE", "DROP COLUMN", "DROP DATABASE", "DROP SCHEMA", "TRUNCATE",
    "DELETE FROM.*WHERE.*1.*=.*1", "ALTER TABLE.*DROP CONSTRAINT", "op.drop_table", "op.drop_column",
]


def old_script_flags(source: str) -> bool:
    lines = [ln for ln in source.splitlines() if "# CI:DESTRUCTIVE_OK" not in ln]
    return any(re.search(p, ln, re.IGNORECASE) for p in OLD_PATTERNS for ln in lines)


def revision(body: str, *, doc: str = "A revision.", downgrade: str = "    pass\n") -> str:
    return (
        # A base revision: each test file stands alone, so naming a parent that
        # no file declares would add a revision-graph warning to every output.
        f'"""{doc}\n\nRevision ID: 0002_next\nRevises:\n"""\n'
        "from alembic import op\n"
        "import sqlalchemy as sa\n"
        "\n"
        'revision = "0002_next"\n'
        "down_revision = None\n"
        "branch_labels = None\n"
        "depends_on = None\n"
        "\n\n"
        "def upgrade():\n"
        f"{body}"
        "\n\n"
        "def downgrade():\n"
        f"{downgrade}"
    )


SAFE = revision(
    "    op.add_column('orders', sa.Column('channel', sa.String(64), nullable=True))\n"
    "    op.execute('CREATE INDEX ix_orders_channel ON orders (channel)')\n"
    "    op.alter_column('orders', 'channel', existing_type=sa.String(64), nullable=False)\n"
    "    op.execute('ALTER TABLE orders ADD CONSTRAINT ck_orders_channel CHECK (channel <> \\'\\')')\n",
    downgrade="    op.drop_column('orders', 'channel')\n",
)

DANGER = revision(
    "    op.drop_table('old_analytics_table')\n"
    '    op.execute("DROP TABLE old_metrics")\n'
)

BYPASS = revision(
    "    op.drop_table('old_analytics_table')  # CI:DESTRUCTIVE_OK - Deprecated table, data migrated per ADR-005\n"
    '    op.execute("DROP TABLE old_metrics")  # CI:DESTRUCTIVE_OK - metrics archived to S3 per ADR-005\n'
)


# The record's layout: alembic/env.py beside alembic/versions. An env.py that sets a lock_timeout, as the
# MG211 page recommends, keeps the lock-timeout warning out of tests about other things.
ENV_PY = (
    "from alembic import context\n"
    "from sqlalchemy import engine_from_config, pool, text\n\n"
    "config = context.config\n"
    "connectable = engine_from_config(config.get_section(config.config_ini_section), prefix='sqlalchemy.',\n"
    "                                 poolclass=pool.NullPool)\n"
    "with connectable.connect() as connection:\n"
    "    connection.execute(text(\"SET lock_timeout = '5s'\"))\n"
    "    connection.commit()\n"
    "    context.configure(connection=connection)\n"
    "    with context.begin_transaction():\n"
    "        context.run_migrations()\n"
)
ENV_PY_WITHOUT_TIMEOUT = ENV_PY.replace("    connection.execute(text(\"SET lock_timeout = '5s'\"))\n"
                                        "    connection.commit()\n", "")
NO_TIMEOUT = ("takes ACCESS EXCLUSIVE on {table} with no lock_timeout set in the revision or in alembic/env.py: "
              "behind one long transaction, every query on it queues")


def engine_env(path: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # The venv running the tests holds the migration-guard entry point.
    env["PATH"] = path if path is not None else f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    return env


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], cwd=cwd, env=env or engine_env(),
        capture_output=True, text=True, timeout=60,
    )


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path


def write_in_project(tmp_path: Path, name: str, source: str, env_py: str = ENV_PY) -> Path:
    write(tmp_path, "alembic/env.py", env_py)
    return write(tmp_path, f"alembic/versions/{name}", source)


def line_of(source: str, needle: str) -> int:
    hits = [i for i, ln in enumerate(source.splitlines(), 1) if needle in ln]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def without_warnings(stdout: str) -> list[str]:
    """Output lines less warnings: warning rules (lock safety, revision graph,
    downgrade) never change the verdict, and the tests below are not about them."""
    return [ln for ln in stdout.splitlines() if not ln.startswith("⚠️  WARNING: ")]


def danger_lines(stdout: str) -> list[str]:
    return [ln for ln in stdout.splitlines() if ln.startswith("⛔️ DANGER:")]


def test_script_is_executable_and_bash():
    assert os.access(SCRIPT, os.X_OK)
    assert SCRIPT.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")


def test_safe_revision_passes(tmp_path):
    path = write(tmp_path, "test_safe.py", SAFE)
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert out[0] == HEADER.format(path)
    assert out[-2:] == [PASSED, "---"]
    # Lock-safety rules may warn (a plain CREATE INDEX); warnings never fail the check.
    assert all(ln.startswith("⚠️  WARNING: ") and "(MG1" not in ln for ln in out[1:-2]), result.stdout


def test_clean_revision_prints_the_records_exact_output(tmp_path):
    source = revision(
        "    op.add_column('orders', sa.Column('note', sa.Text(), nullable=True))\n",
        downgrade="    op.drop_column('orders', 'note')\n",
    )
    path = write_in_project(tmp_path, "clean.py", source)
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [HEADER.format(path), PASSED, "---"]


def test_a_missing_lock_timeout_is_one_warning_line_that_never_fails(tmp_path):
    source = revision(
        "    op.add_column('orders', sa.Column('note', sa.Text(), nullable=True))\n",
        downgrade="    op.drop_column('orders', 'note')\n",
    )
    path = write_in_project(tmp_path, "clean.py", source, env_py=ENV_PY_WITHOUT_TIMEOUT)
    result = run("alembic/versions/clean.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        HEADER.format("alembic/versions/clean.py"),
        f"⚠️  WARNING: {NO_TIMEOUT.format(table='orders')} "
        f"(MG211 missing-lock-timeout, line {line_of(source, 'add_column')})",
        PASSED,
        "---",
    ]
    assert path.exists()


def test_a_missing_lock_timeout_leaves_the_destructive_verdict_and_its_messages_alone(tmp_path):
    with_timeout = run(str(write_in_project(tmp_path / "a", "danger.py", DANGER)), cwd=tmp_path / "a")
    without = run(str(write_in_project(tmp_path / "b", "danger.py", DANGER, env_py=ENV_PY_WITHOUT_TIMEOUT)),
                  cwd=tmp_path / "b")
    assert (with_timeout.returncode, without.returncode) == (1, 1)
    warning = (f"⚠️  WARNING: {NO_TIMEOUT.format(table='old_analytics_table')} "
               f"(MG211 missing-lock-timeout, line {line_of(DANGER, 'old_analytics_table')})")
    # Past the header (another path), the one difference is the warning: the same DANGER lines, verdict,
    # detected patterns and advice; a warning is never a detected pattern.
    lines_with, lines_without = with_timeout.stdout.splitlines()[1:], without.stdout.splitlines()[1:]
    assert warning in lines_without
    assert [ln for ln in lines_without if ln != warning] == lines_with
    assert len(danger_lines(without.stdout)) == 2


def test_a_bypass_covers_the_lock_warning_on_its_statement_and_says_so(tmp_path):
    path = write_in_project(tmp_path, "bypass.py", BYPASS, env_py=ENV_PY_WITHOUT_TIMEOUT)
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = without_warnings(result.stdout)  # an empty downgrade() is warned about too (MG404)
    assert out[1:3] == [PASSED, "Acknowledged with CI:DESTRUCTIVE_OK (3):"]
    line = line_of(BYPASS, "old_analytics_table")
    assert out[4] == (f"  - 'op.drop_table('old_analytics_table')' (MG211 missing-lock-timeout, line {line}): "
                      "Deprecated table, data migrated per ADR-005")
    assert out[-1] == "---" and danger_lines(result.stdout) == []


def test_dangerous_revision_fails_naming_both_drops(tmp_path):
    path = write(tmp_path, "test_danger.py", DANGER)
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert out[0] == HEADER.format(path)
    dangers = danger_lines(result.stdout)
    assert len(dangers) == 2, result.stdout
    first, second = dangers
    assert first.startswith("⛔️ DANGER: Destructive pattern found: '")
    assert "old_analytics_table" in first
    assert first.endswith(f"(MG101 drop-table, line {line_of(DANGER, 'old_analytics_table')})")
    assert second == (
        "⛔️ DANGER: Destructive pattern found: 'DROP TABLE old_metrics' "
        f"(MG101 drop-table, line {line_of(DANGER, 'DROP TABLE old_metrics')})"
    )
    assert FAILED in out
    assert "Detected patterns:" in out
    lines = f"{line_of(DANGER, 'old_analytics_table')}, {line_of(DANGER, 'old_metrics')}"
    assert f"  - MG101 drop-table (lines {lines})" in out
    assert "If this destructive operation is intentional:" in out
    assert "  op.drop_table('deprecated_table')  # CI:DESTRUCTIVE_OK See ADR-015 for deprecation timeline" in out
    assert out[-1] == "---"


def test_bypass_with_reasons_passes_and_lists_each_acknowledged_drop(tmp_path):
    path = write_in_project(tmp_path, "test_bypass.py", BYPASS)
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = without_warnings(result.stdout)
    assert out[:3] == [HEADER.format(path), PASSED, "Acknowledged with CI:DESTRUCTIVE_OK (2):"]
    acknowledged = out[3:5]
    assert "old_analytics_table" in acknowledged[0]
    assert f"(MG101 drop-table, line {line_of(BYPASS, 'old_analytics_table')}): " in acknowledged[0]
    assert acknowledged[0].endswith("Deprecated table, data migrated per ADR-005")
    assert acknowledged[1].startswith(
        f"  - 'DROP TABLE old_metrics' (MG101 drop-table, line {line_of(BYPASS, 'old_metrics')}): "
    )
    assert acknowledged[1].endswith("metrics archived to S3 per ADR-005")
    assert out[5:] == ["---"]
    assert danger_lines(result.stdout) == []


def test_bare_bypass_token_without_reason_no_longer_passes(tmp_path):
    # The old grep filter accepted a bare token; migration-guard requires the why.
    source = revision("    op.drop_table('old_analytics_table')  # CI:DESTRUCTIVE_OK\n")
    assert not old_script_flags(source)
    path = write(tmp_path, "bare.py", source)
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    dangers = danger_lines(result.stdout)
    line = line_of(source, "old_analytics_table")
    assert any(d.endswith(f"(MG101 drop-table, line {line})") for d in dangers), result.stdout
    assert any(f"(MG902 bypass-without-reason, line {line})" in d for d in dangers), result.stdout


def test_no_argument_is_a_usage_error(tmp_path):
    result = run(cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "ERROR: No migration file provided",
        f"Usage: {SCRIPT} <migration_file>",
    ]


def test_empty_argument_is_a_usage_error(tmp_path):
    result = run("", cwd=tmp_path)
    assert result.returncode == 1
    assert "ERROR: No migration file provided" in result.stderr


def test_two_arguments_are_refused_rather_than_half_checked(tmp_path):
    safe = write(tmp_path, "a.py", SAFE)
    danger = write(tmp_path, "b.py", DANGER)
    result = run(str(safe), str(danger), cwd=tmp_path)
    assert result.returncode == 1
    assert "ERROR: Expected exactly one migration file, got 2" in result.stderr
    assert "Usage:" in result.stderr


def test_missing_file_fails(tmp_path):
    missing = tmp_path / "alembic" / "versions" / "nope.py"
    result = run(str(missing), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"ERROR: Migration file not found: {missing}"


def test_directory_is_not_a_migration_file(tmp_path):
    result = run(str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert "ERROR: Migration file not found" in result.stderr


@pytest.mark.parametrize("source,expected", [(DANGER, 1), (SAFE, 0)], ids=["danger", "safe"])
def test_path_with_spaces(tmp_path, source, expected):
    path = write(tmp_path, "my migrations/alembic versions/0002 drop old.py", source)
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == expected, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == HEADER.format(path)
    assert len(danger_lines(result.stdout)) == (2 if expected else 0)


def test_relative_path_starting_with_a_dash(tmp_path):
    write(tmp_path, "-0002_drop.py", DANGER)
    result = run("-0002_drop.py", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(danger_lines(result.stdout)) == 2


FALSE_POSITIVES = {
    "docstring": revision(
        "    op.add_column('orders', sa.Column('note', sa.Text()))\n",
        doc="Add orders.note.\n\nWe considered DROP TABLE orders_legacy and op.drop_column, and chose neither.",
    ),
    "comment": revision(
        "    # TRUNCATE would be faster but loses history; keep rows.\n"
        "    op.add_column('orders', sa.Column('note', sa.Text()))\n"
    ),
    "downgrade-drop": revision(
        "    op.create_table('audit_log', sa.Column('id', sa.Integer(), primary_key=True))\n",
        downgrade="    op.drop_table('audit_log')\n",
    ),
    "delete-where-id": revision('    op.execute("DELETE FROM feature_flags WHERE id = 1")\n'),
    "delete-where-ids": revision(
        '    op.execute("DELETE FROM sessions WHERE tenant_id = 1 AND user_id = 1")\n'
    ),
    "log-message": revision(
        "    print('no DROP COLUMN needed here')\n"
        "    op.add_column('orders', sa.Column('note', sa.Text()))\n"
    ),
}

# Which of these the record's grep loop wrongly failed (WHERE id = 1 slipped past
# its regex by luck: there is no "1" between WHERE and "=").
OLD_SCRIPT_FLAGGED = {"docstring", "comment", "downgrade-drop", "delete-where-ids", "log-message"}


@pytest.mark.parametrize("name", sorted(FALSE_POSITIVES))
def test_text_that_never_reaches_the_database_passes(tmp_path, name):
    source = FALSE_POSITIVES[name]
    assert old_script_flags(source) is (name in OLD_SCRIPT_FLAGGED)
    path = write(tmp_path, f"{name}.py", source)
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert without_warnings(result.stdout) == [HEADER.format(path), PASSED, "---"]


def test_lower_case_sql_is_still_destructive(tmp_path):
    source = revision('    op.execute("drop table legacy_events")\n')
    path = write(tmp_path, "lower.py", source)
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert danger_lines(result.stdout) == [
        "⛔️ DANGER: Destructive pattern found: 'drop table legacy_events' "
        f"(MG101 drop-table, line {line_of(source, 'legacy_events')})"
    ]


def test_bypass_token_inside_a_string_does_not_bypass(tmp_path):
    source = revision(
        "    op.drop_table('old_analytics_table', info={'note': '# CI:DESTRUCTIVE_OK approved'})\n"
    )
    # The old `grep -v` filter dropped this whole line and passed it.
    assert not old_script_flags(source)
    path = write(tmp_path, "in_string.py", source)
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    dangers = danger_lines(result.stdout)
    assert len(dangers) == 1, result.stdout
    assert dangers[0].endswith(f"(MG101 drop-table, line {line_of(source, 'old_analytics_table')})")
    assert "Acknowledged" not in result.stdout


def test_configuration_error_exits_1_not_2(tmp_path):
    (tmp_path / ".migration-guard.toml").write_text('fail-on = "sometimes"\n', encoding="utf-8")
    path = write(tmp_path, "safe.py", SAFE)
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ERROR: migration-guard configuration or usage error:" in result.stderr
    assert "fail-on" in result.stderr
    assert PASSED not in result.stdout


@pytest.mark.skipif(not (REPO / ".venv" / "bin" / "python").exists(), reason="needs the checkout's .venv")
def test_runs_from_the_checkout_when_migration_guard_is_not_installed(tmp_path):
    # Only system directories on PATH: the script must find the package beside itself.
    path = write(tmp_path, "test_danger.py", DANGER)
    result = run(str(path), cwd=tmp_path, env=engine_env("/usr/bin:/bin"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(danger_lines(result.stdout)) == 2


def test_failure_still_lists_what_was_acknowledged(tmp_path):
    source = revision(
        "    op.drop_table('old_analytics_table')  # CI:DESTRUCTIVE_OK emptied per ADR-005\n"
        '    op.execute("DROP TABLE old_metrics")\n'
    )
    path = write_in_project(tmp_path, "mixed.py", source)
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert danger_lines(result.stdout) == [
        "⛔️ DANGER: Destructive pattern found: 'DROP TABLE old_metrics' "
        f"(MG101 drop-table, line {line_of(source, 'old_metrics')})"
    ]
    at = out.index("Acknowledged with CI:DESTRUCTIVE_OK (1):")
    assert out[at + 1].endswith(
        f"(MG101 drop-table, line {line_of(source, 'old_analytics_table')}): emptied per ADR-005"
    )
    assert out.index("Detected patterns:") < at < out.index("If this destructive operation is intentional:")
