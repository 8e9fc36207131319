"""What surrounds a revision, read from trees on disk: env.py's lock_timeout (MG211) and the tables
a change adds (new for the lock rules with --base). env.py is read, never imported."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ADD_COLUMN = '''from alembic import op
import sqlalchemy as sa
revision = "0002"
down_revision = "0001"
def upgrade():
    op.add_column("orders", sa.Column("note", sa.Text()))
'''

ENV_PY = '''from alembic import context
from sqlalchemy import engine_from_config, pool, text
raise SystemExit("env.py was executed")  # the linter must never run it
def run_migrations_online():
    with engine_from_config(dict(), poolclass=pool.NullPool).connect() as connection:
        connection.execute(text({statement!r}))
        context.configure(connection=connection)
'''


def lint(root: Path, *args: str) -> list[tuple[str, int]]:
    """The lock findings (MG2xx): the revision graph of these small trees is not under test."""
    done = subprocess.run([sys.executable, "-m", "migration_guard", "lint", "--format", "json", *args],
                          capture_output=True, text=True, cwd=root)
    assert done.returncode in (0, 1), done.stderr
    return [(f["code"], f["line"]) for f in json.loads(done.stdout)["findings"] if f["code"].startswith("MG2")]


def tree(root: Path, env_py: str | None, revisions: dict[str, str]) -> None:
    versions = root / "alembic" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = alembic\n", encoding="utf-8")
    (root / ".migration-guard.toml").write_text('enable = ["missing-lock-timeout"]\n', encoding="utf-8")
    if env_py is not None:
        (root / "alembic" / "env.py").write_text(env_py, encoding="utf-8")
    for name, text in revisions.items():
        (versions / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("statement,reported", [
    ("SET lock_timeout = '5s'", False),
    ("SET SESSION lock_timeout TO 3000", False),
    ("SELECT set_config('lock_timeout', '4s', false)", False),
    ("SET lock_timeout = 0", True),
    ("SET statement_timeout = '5min'", True),
])
def test_env_py_lock_timeout_covers_every_revision(tmp_path: Path, statement: str, reported: bool) -> None:
    tree(tmp_path, ENV_PY.format(statement=statement), {"0002_note.py": ADD_COLUMN})
    assert (("MG211", 6) in lint(tmp_path)) is reported


def test_connect_option_in_env_py_counts(tmp_path: Path) -> None:
    env_py = 'connect_args = {"options": "-c lock_timeout=5000 -c statement_timeout=60000"}\n'
    tree(tmp_path, env_py, {"0002_note.py": ADD_COLUMN})
    assert lint(tmp_path) == []


def test_a_comment_in_env_py_is_not_a_setting(tmp_path: Path) -> None:
    tree(tmp_path, "# TODO: SET lock_timeout = '5s'\n", {"0002_note.py": ADD_COLUMN})
    assert lint(tmp_path) == [("MG211", 6)]


@pytest.mark.parametrize("env_py", [None, "def broken(:\n"])
def test_missing_or_unreadable_env_py_fails_closed(tmp_path: Path, env_py: str | None) -> None:
    tree(tmp_path, env_py, {"0002_note.py": ADD_COLUMN})
    done = subprocess.run([sys.executable, "-m", "migration_guard", "lint", "--format", "json"],
                          capture_output=True, text=True, cwd=tmp_path)
    findings = [f for f in json.loads(done.stdout)["findings"] if f["code"].startswith("MG2")]
    assert [(f["code"], f["line"]) for f in findings] == [("MG211", 6)]
    expected = "env.py (none found beside the versions folder)" if env_py is None else "alembic/env.py"
    assert expected in findings[0]["message"]


def test_explicit_path_finds_env_py_above_its_folder(tmp_path: Path) -> None:
    tree(tmp_path, ENV_PY.format(statement="SET lock_timeout = '5s'"), {"0002_note.py": ADD_COLUMN})
    assert lint(tmp_path, "alembic/versions/0002_note.py") == []


CREATE = '''from alembic import op
import sqlalchemy as sa
revision = "0002"
down_revision = "0001"
def upgrade():
    op.create_table("refunds", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("order_id", sa.Integer()))
'''
INDEX = '''from alembic import op
revision = "0003"
down_revision = "0002"
def upgrade():
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])
    op.create_foreign_key("fk_refunds_order", "refunds", "orders", ["order_id"], ["id"])
'''


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_a_table_the_pull_request_creates_is_new_for_the_lock_rules(tmp_path: Path) -> None:
    tree(tmp_path, None, {"0001_base.py": 'revision = "0001"\ndown_revision = None\n'})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".")
    git(tmp_path, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    git(tmp_path, "checkout", "-qb", "feature")
    (tmp_path / "alembic" / "versions" / "0002_refunds.py").write_text(CREATE, encoding="utf-8")
    (tmp_path / "alembic" / "versions" / "0003_refunds_index.py").write_text(INDEX, encoding="utf-8")
    assert lint(tmp_path, "--base", "main") == []
    # without the change's context, the next revision's index and foreign key are on an existing table
    assert lint(tmp_path, "alembic/versions/0003_refunds_index.py") == [("MG201", 6), ("MG204", 7)]


def test_a_table_a_modified_revision_creates_is_not_new(tmp_path: Path) -> None:
    tree(tmp_path, None, {"0001_base.py": 'revision = "0001"\ndown_revision = None\n', "0002_refunds.py": CREATE})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".")
    git(tmp_path, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    (tmp_path / "alembic" / "versions" / "0002_refunds.py").write_text(CREATE + "# touched\n", encoding="utf-8")
    (tmp_path / "alembic" / "versions" / "0003_refunds_index.py").write_text(INDEX, encoding="utf-8")
    assert lint(tmp_path, "--base", "main") == [("MG201", 6), ("MG204", 7)]


VIEW = '''from alembic import op
revision = "0002"
down_revision = "0001"
def upgrade():
    op.execute("CREATE MATERIALIZED VIEW daily_spend AS SELECT 1 AS n")
'''
REFRESH = '''from alembic import op
revision = "0003"
down_revision = "0002"
def upgrade():
    op.execute("REFRESH MATERIALIZED VIEW daily_spend")
'''


def test_a_view_the_pull_request_creates_has_no_readers_to_block(tmp_path: Path) -> None:
    tree(tmp_path, None, {"0001_base.py": 'revision = "0001"\ndown_revision = None\n'})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".")
    git(tmp_path, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    (tmp_path / "alembic" / "versions" / "0002_view.py").write_text(VIEW, encoding="utf-8")
    (tmp_path / "alembic" / "versions" / "0003_refresh.py").write_text(REFRESH, encoding="utf-8")
    assert lint(tmp_path, "--base", "main") == []
    assert lint(tmp_path, "alembic/versions/0003_refresh.py") == [("MG211", 5), ("MG216", 5)]
