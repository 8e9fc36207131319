"""The command as a user runs it: real files, exit codes, the JSON contract, configuration."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RECORD = Path(__file__).resolve().parents[1] / "examples" / "record"
SAFE = (RECORD / "safe.py").read_text(encoding="utf-8")
DANGER = (RECORD / "danger.py").read_text(encoding="utf-8")
BYPASS = (RECORD / "bypass.py").read_text(encoding="utf-8")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "migration_guard", *args], capture_output=True, text=True, cwd=cwd)


def write(root: Path, name: str, text: str) -> Path:
    path = root / "alembic" / "versions" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def codes(done: subprocess.CompletedProcess) -> list[tuple[str, int, bool]]:
    return [(f["code"], f["line"], f["bypassed"]) for f in json.loads(done.stdout)["findings"]]


def test_record_safe_revision_exits_0(tmp_path: Path) -> None:
    path = write(tmp_path, "0002_safe.py", SAFE)
    done = run("lint", "--format", "json", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [c for c in codes(done) if c[0].startswith("MG1")] == []


def test_record_dangerous_revision_exits_1_naming_both(tmp_path: Path) -> None:
    path = write(tmp_path, "0003_danger.py", DANGER)
    done = run("lint", str(path), cwd=tmp_path)
    assert done.returncode == 1
    assert "0003_danger.py:9:5: MG101 drop-table [error] drops table old_analytics_table" in done.stdout
    assert "0003_danger.py:10:17: MG101 drop-table [error] drops table old_metrics" in done.stdout
    done = run("lint", "--format", "json", str(path), cwd=tmp_path)
    assert [c for c in codes(done) if c[0] == "MG101"] == [("MG101", 9, False), ("MG101", 10, False)]


def test_record_bypassed_revision_exits_0_and_keeps_the_audit_trail(tmp_path: Path) -> None:
    path = write(tmp_path, "0003_bypass.py", BYPASS)
    done = run("lint", "--format", "json", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    report = json.loads(done.stdout)
    bypassed = [(f["code"], f["line"], f["bypass_reason"]) for f in report["findings"] if f["bypassed"]]
    # The bypass covers its statement: the lock warning (no lock_timeout) on the same drop too.
    assert bypassed == [("MG101", 9, "deprecated, data in new_analytics_table (ADR-005)"),
                        ("MG211", 9, "deprecated, data in new_analytics_table (ADR-005)"),
                        ("MG101", 10, "archived to cold storage (ADR-006)")]
    assert report["summary"]["bypassed"] == 3 and report["summary"]["errors"] == 0


def test_json_is_one_object_with_the_public_shape(tmp_path: Path) -> None:
    path = write(tmp_path, "0003_danger.py", DANGER)
    done = run("lint", "--format", "json", str(path), cwd=tmp_path)
    report = json.loads(done.stdout)
    assert list(report) == ["version", "files", "environments", "findings", "summary"]
    assert report["version"] == 1 and report["files"] == [str(path)]
    first = next(f for f in report["findings"] if f["code"] == "MG101")
    assert list(first) == ["code", "rule", "severity", "path", "line", "end_line", "column", "phase", "message",
                           "statement", "bypassed", "bypass_reason", "object"]
    assert first["object"] == {"kind": "table", "schema": None, "table": "old_analytics_table",
                               "name": "old_analytics_table"}
    assert (first["rule"], first["severity"], first["phase"], first["statement"]) == (
        "drop-table", "error", "upgrade", "op.drop_table('old_analytics_table')")
    assert list(report["summary"]) == ["errors", "warnings", "bypassed", "files"]


def test_discovers_script_location_from_alembic_ini(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/db/migrations\n")
    target = tmp_path / "db" / "migrations" / "versions" / "0003_danger.py"
    target.parent.mkdir(parents=True)
    target.write_text(DANGER)
    write(tmp_path, "ignored.py", DANGER)  # not under script_location
    done = run("lint", "--format", "json", cwd=tmp_path)
    assert json.loads(done.stdout)["files"] == ["db/migrations/versions/0003_danger.py"]
    assert done.returncode == 1


def test_default_glob_without_alembic_ini(tmp_path: Path) -> None:
    write(tmp_path, "0003_danger.py", DANGER)
    done = run("lint", "--format", "json", cwd=tmp_path)
    assert json.loads(done.stdout)["files"] == ["alembic/versions/0003_danger.py"]


def test_directory_argument_is_searched_recursively(tmp_path: Path) -> None:
    write(tmp_path, "sub/0003_danger.py", DANGER)
    done = run("lint", "--format", "json", "alembic", cwd=tmp_path)
    assert json.loads(done.stdout)["files"] == ["alembic/versions/sub/0003_danger.py"]


@pytest.mark.parametrize("flag,expected", [("never", 0), ("error", 1), ("warning", 1)])
def test_fail_on(tmp_path: Path, flag: str, expected: int) -> None:
    path = write(tmp_path, "0003_danger.py", DANGER)
    assert run("lint", "--fail-on", flag, str(path), cwd=tmp_path).returncode == expected


def test_fail_on_warning_fails_on_a_warning_only(tmp_path: Path) -> None:
    path = write(tmp_path, "0003_dyn.py", DANGER.replace("op.drop_table('old_analytics_table')\n", "")
                 .replace('op.execute("DROP TABLE old_metrics")', "op.execute(build())"))
    assert run("lint", str(path), cwd=tmp_path).returncode == 0
    assert run("lint", "--fail-on", "warning", str(path), cwd=tmp_path).returncode == 1


def test_downgrade_policy_flag(tmp_path: Path) -> None:
    path = write(tmp_path, "0002_safe.py", SAFE)
    done = run("lint", "--format", "json", "--downgrade", "error", str(path), cwd=tmp_path)
    assert ("MG102", 17, False) in codes(done)  # downgrade() drops the column upgrade() added
    assert done.returncode == 1


def test_config_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.migration-guard]\nbypass-token = "SAFE:DROP"\n[tool.migration-guard.rules]\ndrop-table = "warning"\n')
    path = write(tmp_path, "0003_danger.py", DANGER)
    done = run("lint", "--format", "json", str(path), cwd=tmp_path)
    assert done.returncode == 0
    assert {f["severity"] for f in json.loads(done.stdout)["findings"] if f["code"] == "MG101"} == {"warning"}


def test_dialect_setting_picks_the_branches_analysed(tmp_path: Path) -> None:
    path = write(tmp_path, "0004_multi_db.py", (
        "from alembic import op\n"
        "def upgrade():\n"
        "    if op.get_bind().dialect.name == 'mysql':\n"
        "        op.drop_constraint('fk_a', 'a', type_='foreignkey')\n"))
    assert run("lint", str(path), cwd=tmp_path).returncode == 0
    (tmp_path / "pyproject.toml").write_text('[tool.migration-guard]\ndialect = "mysql"\n')
    done = run("lint", "--format", "json", str(path), cwd=tmp_path)
    assert (done.returncode, codes(done)) == (1, [("MG107", 4, False), ("MG211", 4, False)])


@pytest.mark.parametrize("config,message", [
    ('[tool.migration-guard]\nfail_on = "error"\n', "unknown key 'fail_on'"),
    ('[tool.migration-guard]\nfail-on = "sometimes"\n', "fail-on: expected one of error, warning, never"),
    ('[tool.migration-guard.rules]\nno-such-rule = false\n', "unknown rule 'no-such-rule'"),
    ('[tool.migration-guard.rules]\nMG101 = "fatal"\n', "rules.MG101: expected error or warning"),
    ('[tool.migration-guard\n', "not valid TOML"),
    ('[tool.migration-guard]\ndialect = "postgres"\n',
     "dialect: expected one of postgresql, mysql, mariadb, sqlite, oracle, mssql, got 'postgres'"),
])
def test_bad_config_exits_2_naming_the_key(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / ".migration-guard.toml").write_text(config.replace("tool.migration-guard", "tool.migration-guard"))
    path = write(tmp_path, "0003_danger.py", DANGER)
    done = run("lint", str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_path_and_bad_flag_exit_2(tmp_path: Path) -> None:
    done = run("lint", "nope.py", cwd=tmp_path)
    assert (done.returncode, "no such file or directory: nope.py" in done.stderr) == (2, True)
    assert run("lint", "--format", "xml", cwd=tmp_path).returncode == 2


def test_base_lints_only_changed_revisions(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    write(tmp_path, "0003_old.py", DANGER)
    git("add", ".")
    git("commit", "-qm", "base")
    git("checkout", "-qb", "feature")
    write(tmp_path, "0004_new.py", BYPASS)
    git("add", ".")
    git("commit", "-qm", "feature")
    done = run("lint", "--format", "json", "--base", "main", cwd=tmp_path)
    assert json.loads(done.stdout)["files"] == ["alembic/versions/0004_new.py"]
    assert done.returncode == 0
    bad = run("lint", "--base", "no-such-ref", cwd=tmp_path)
    assert bad.returncode == 2 and "no-such-ref" in bad.stderr


def test_github_format_prints_only_escaped_commands(tmp_path: Path) -> None:
    path = write(tmp_path, "0003_x.py", 'from alembic import op\ndef upgrade():\n'
                 '    op.drop_table("evil\\n::error::injected%")\n')
    done = run("lint", "--format", "github", str(path), cwd=tmp_path)
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("::error file=") and lines[1].startswith("::warning file=")
    assert all("%0A::error::injected%25" in line for line in lines)  # MG101, then MG211 naming the same table


def test_rules_command_lists_every_code(tmp_path: Path) -> None:
    done = run("rules", cwd=tmp_path)
    assert done.returncode == 0
    for code in ("MG101", "MG102", "MG103", "MG104", "MG105", "MG106", "MG107", "MG901", "MG902", "MG903", "MG904"):
        assert code in done.stdout
