"""The action with default inputs on the layouts real repositories have: discovery decides what is a revision."""
from __future__ import annotations

import pytest

from harness import BASE_REVISION, ENV_PY, Git, pr_event, run_action

FLASK_INI = "[alembic]\n# template used to generate migration files\n\n[loggers]\nkeys = root\n"
DROP_PATH = "migrations/versions/0002_drop_nickname.py"
DROP = '''"""drop nickname"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.drop_column("users", "nickname")


def downgrade():
    op.add_column("users", sa.Column("nickname", sa.Text))
'''


@pytest.fixture
def flask_pr(tmp_path, api):
    git = Git(tmp_path / "ws")
    base = git.commit({"app/__init__.py": "", "migrations/alembic.ini": FLASK_INI, "migrations/env.py": ENV_PY,
                       "migrations/versions/0001_create_users.py": BASE_REVISION}, "base")
    head = git.commit({DROP_PATH: DROP, "app/views.py": "x = 1\n"}, "drop nickname")
    api.add_pull(7, head, base, git.pr_files(base, head))
    return git, base, head


@pytest.mark.container
def test_flask_migrate_layout_with_default_inputs_is_checked(flask_pr, tmp_path, api):
    git, base, head = flask_pr
    result = run_action(git.root, tmp_path / "run", "pull_request", pr_event(7, head, base), api.base_url)
    assert result.code == 1
    assert result.outputs == {"errors": "1", "warnings": "0", "bypassed": "0", "files-checked": "1",
                              "result": "fail", "sarif-file": ""}
    assert [c.split(",", 2)[:2] for c in result.commands] == [["::error file=" + DROP_PATH, "line=10"]]
    [review] = [r.body for r in api.calls("POST", "reviews$")]
    assert [(c["path"], c["line"]) for c in review["comments"]] == [(DROP_PATH, 10)]
    [comment] = api.issue_comments
    assert "Found 1 error in 1 revision file" in comment["body"]
    assert "Found 1 error in 1 revision file" in result.summary


def test_pull_request_changing_no_revision_passes_and_says_so(tmp_path, api):
    git = Git(tmp_path / "ws")
    base = git.commit({"migrations/alembic.ini": FLASK_INI, "migrations/env.py": ENV_PY,
                       "migrations/versions/0001_create_users.py": BASE_REVISION}, "base")
    head = git.commit({"app/views.py": "x = 1\n"}, "not a migration")
    api.add_pull(7, head, base, git.pr_files(base, head))
    result = run_action(git.root, tmp_path / "run", "pull_request", pr_event(7, head, base), api.base_url)
    assert result.code == 0 and result.outputs["files-checked"] == "0" and result.outputs["result"] == "pass"
    assert "No Alembic revision file is added or changed" in result.summary


def test_repository_without_any_environment_fails_the_step(tmp_path, api):
    git = Git(tmp_path / "ws")
    base = git.commit({"app/models.py": "x = 1\n"}, "base")
    head = git.commit({"db/drop.py": DROP}, "a revision nobody can find")
    api.add_pull(7, head, base, git.pr_files(base, head))
    result = run_action(git.root, tmp_path / "run", "pull_request", pr_event(7, head, base), api.base_url)
    assert result.code == 2
    assert result.commands[0].startswith("::error title=migration-guard::no Alembic revisions found under ")
    assert "paths" in result.commands[0] and result.outputs == {}
    assert "Failed: no Alembic revisions found" in result.summary
    assert api.issue_comments == [] and api.calls("POST", "reviews$") == []


def test_a_paths_input_that_matches_nothing_fails_the_step(flask_pr, tmp_path, api):
    git, base, head = flask_pr
    result = run_action(git.root, tmp_path / "run", "pull_request", pr_event(7, head, base), api.base_url,
                        inputs={"paths": "db/versions/*.py"})
    assert result.code == 2
    assert result.commands[0].startswith("::error title=migration-guard::the glob 'db/versions/*.py' matches no revision file")


def test_two_environments_with_colliding_ids_are_separate_graphs(tmp_path, api):
    git = Git(tmp_path / "ws")
    base = git.commit({"migrations/env.py": ENV_PY, "migrations/versions/0001_create_users.py": BASE_REVISION,
                       "tenants/env.py": ENV_PY, "tenants/versions/0001_create_users.py": BASE_REVISION}, "base")
    head = git.commit({"tenants/versions/0002_drop_nickname.py": DROP}, "drop in tenants")
    api.add_pull(7, head, base, git.pr_files(base, head))
    result = run_action(git.root, tmp_path / "run", "pull_request", pr_event(7, head, base), api.base_url,
                        inputs={"github-token": ""})
    assert result.code == 1
    assert result.outputs["errors"] == "1" and result.outputs["warnings"] == "0"  # no MG403 across environments


def test_a_change_to_another_databases_history_is_no_revision_of_this_one(tmp_path, api):
    git = Git(tmp_path / "ws")
    base = git.commit({"db/env.py": ENV_PY, "db/versions/postgresql/0001_create_users.py": BASE_REVISION,
                       "db/versions/sqlite/0001_create_users.py": BASE_REVISION}, "base")
    head = git.commit({"db/versions/sqlite/0002_drop_nickname.py": DROP}, "sqlite only")
    api.add_pull(7, head, base, git.pr_files(base, head))
    result = run_action(git.root, tmp_path / "run", "pull_request", pr_event(7, head, base), api.base_url)
    assert result.code == 0 and result.outputs["files-checked"] == "0"
    assert "No Alembic revision file is added or changed" in result.summary
    head = git.commit({"db/versions/postgresql/0002_drop_nickname.py": DROP}, "postgresql too")
    api.add_pull(8, head, base, git.pr_files(base, head))
    result = run_action(git.root, tmp_path / "run2", "pull_request", pr_event(8, head, base), api.base_url)
    assert result.code == 1 and result.outputs["errors"] == "1" and result.outputs["files-checked"] == "1"
