"""Discovery on the layouts real projects have: real folders on disk, the command as a user runs it.

Each tree holds one destructive revision per environment, so a layout that is missed shows up
as a missing MG101, never as a quiet pass.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from migration_guard.config import Settings
from migration_guard.discover import find

DROP = '''"""drop {table}"""
from alembic import op

revision = "{rev}"
down_revision = {down}


def upgrade():
    op.drop_table("{table}")


def downgrade():
    op.create_table("{table}")
'''
# A realistic env.py: it sets the lock_timeout MG211 asks for, so the trees below report their drops alone,
# and an environment whose env.py is not found beside its versions folder shows up as an extra MG211.
ENV_PY = (
    "from alembic import context\n"
    "from sqlalchemy import engine_from_config, text\n\n"
    "with engine_from_config({}).connect() as connection:\n"
    "    connection.execute(text(\"SET lock_timeout = '5s'\"))\n"
    "    connection.commit()\n"
    "    context.configure(connection=connection)\n"
)


def drop(rev: str, table: str, down: str | None = None) -> str:
    return DROP.format(rev=rev, table=table, down=repr(down))


def tree(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def lint(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "migration_guard", "lint", *args], capture_output=True, text=True, cwd=root)


def lint_json(root: Path, *args: str) -> tuple[int, dict]:
    done = lint(root, "--format", "json", *args)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def findings(report: dict) -> list[tuple[str, str, int, bool]]:
    return [(f["code"], f["path"], f["line"], f["bypassed"]) for f in report["findings"]]


def environments(root: Path) -> list[tuple[str, str | None, tuple[str, ...]]]:
    return [(e.path, e.config, e.files) for e in find(root, Settings()).environments]


# -- the layouts -----------------------------------------------------------------------------------

def test_flask_migrate_ini_without_script_location(tmp_path):
    tree(tmp_path, {
        "app/__init__.py": "",
        "migrations/alembic.ini": "[alembic]\n# template used to generate migration files\n\n[loggers]\nkeys = root\n",
        "migrations/env.py": ENV_PY,
        "migrations/script.py.mako": "",
        "migrations/versions/1a2b3c_drop.py": drop("1a2b3c", "legacy"),
    })
    code, report = lint_json(tmp_path)
    assert code == 1
    assert findings(report) == [("MG101", "migrations/versions/1a2b3c_drop.py", 9, False)]
    assert report["environments"] == [{"path": "migrations/versions", "config": "migrations/alembic.ini", "files": 1}]


@pytest.mark.parametrize("location", ["migrations", "./migrations", "%(here)s/migrations"])
def test_ini_below_the_root_resolves_relative_to_itself(tmp_path, location):
    tree(tmp_path, {
        "server/alembic.ini": f"[alembic]\nscript_location = {location}\nsqlalchemy.url = postgresql://u:p%%40ss@db/app\n",
        "server/migrations/env.py": ENV_PY,
        "server/migrations/versions/0001_drop.py": drop("0001", "legacy"),
    })
    code, report = lint_json(tmp_path)
    assert code == 1
    assert findings(report) == [("MG101", "server/migrations/versions/0001_drop.py", 9, False)]
    assert report["environments"] == [{"path": "server/migrations/versions", "config": "server/alembic.ini",
                                       "files": 1}]


@pytest.mark.parametrize("ini_dir,location,package_dir", [
    ("", "mypkg:db/revisions/core", "src/mypkg"),  # a src/ layout
    ("backend/", "mypkg.server.database:_migrations", "backend/mypkg/server/database"),
    ("", "pkg:server:database:_migrations", "pkg/server/database"),
])
def test_package_resource_locations(tmp_path, ini_dir, location, package_dir):
    script = f"{package_dir}/db/revisions/core" if location.startswith("mypkg:") else f"{package_dir}/_migrations"
    tree(tmp_path, {
        f"{ini_dir}alembic.ini": f"[alembic]\nscript_location = {location}\n",
        f"{package_dir}/__init__.py": "",
        f"{script}/env.py": ENV_PY,
        f"{script}/versions/0001_drop.py": drop("0001", "legacy"),
    })
    assert environments(tmp_path) == [(f"{script}/versions", f"{ini_dir}alembic.ini", (f"{script}/versions/0001_drop.py",))]


def test_script_location_set_in_python_found_by_its_env_py(tmp_path):
    tree(tmp_path, {
        "manage.py": 'cfg.set_main_option("script_location", "shop:migrations")\n',
        "shop/__init__.py": "",
        "shop/migrations/env.py": ENV_PY,
        "shop/migrations/versions/0001_drop.py": drop("0001", "legacy"),
    })
    code, report = lint_json(tmp_path)
    assert code == 1 and findings(report) == [("MG101", "shop/migrations/versions/0001_drop.py", 9, False)]
    assert report["environments"] == [{"path": "shop/migrations/versions", "config": None, "files": 1}]


def test_pyproject_tool_alembic(tmp_path):
    tree(tmp_path, {
        "pyproject.toml": '[project]\nname = "x"\n\n[tool.alembic]\nscript_location = "%(here)s/db"\n'
                          'version_locations = ["%(here)s/db/versions", "%(here)s/plugins/audit/versions"]\n',
        "db/env.py": ENV_PY,
        "db/versions/0001_drop.py": drop("0001", "legacy"),
        "plugins/audit/versions/0002_drop.py": drop("0002", "audit_old", "0001"),
    })
    assert environments(tmp_path) == [
        ("db/versions", "pyproject.toml", ("db/versions/0001_drop.py", "plugins/audit/versions/0002_drop.py"))]


def test_version_locations_with_separator_and_subfolders(tmp_path):
    tree(tmp_path, {
        "alembic.ini": "[alembic]\nscript_location = %(here)s/alembic\npath_separator = os\n"
                       "version_locations = %(here)s/alembic/versions:%(here)s/plugins/billing/versions\n"
                       "recursive_version_locations = true\n",
        "alembic/env.py": ENV_PY,
        "alembic/versions/__init__.py": "",
        "alembic/versions/2024/0001_drop.py": drop("0001", "legacy"),
        "alembic/versions/2025/q1/0002_drop.py": drop("0002", "older", "0001"),
        "plugins/billing/versions/0003_drop.py": drop("0003", "invoices_old", "0002"),
    })
    code, report = lint_json(tmp_path)
    assert code == 1
    assert findings(report) == [
        ("MG101", "alembic/versions/2024/0001_drop.py", 9, False),
        ("MG101", "alembic/versions/2025/q1/0002_drop.py", 9, False),
        ("MG101", "plugins/billing/versions/0003_drop.py", 9, False),
    ]  # one linear history across both locations: no MG401/MG402
    assert report["environments"] == [{"path": "alembic/versions", "config": "alembic.ini", "files": 3}]


def test_legacy_version_locations_split_on_spaces_and_commas(tmp_path):
    tree(tmp_path, {
        "alembic.ini": "[alembic]\nscript_location = alembic\nversion_locations = a/versions, b/versions c/versions\n",
        "alembic/env.py": ENV_PY,
        **{f"{x}/versions/{x}.py": drop(x, x) for x in "abc"},
    })
    [(path, config, files)] = environments(tmp_path)
    assert (path, config, files) == ("a/versions", "alembic.ini", ("a/versions/a.py", "b/versions/b.py",
                                                                  "c/versions/c.py"))


def test_several_environments_keep_their_graphs_apart(tmp_path):
    tree(tmp_path, {
        "alembic.ini": "[alembic]\nscript_location = alembic\n\n[tenants]\nscript_location = alembic_tenants\n",
        "alembic/env.py": ENV_PY,
        "alembic/versions/0001_a.py": drop("0001", "a"),
        "alembic_tenants/env.py": ENV_PY,
        "alembic_tenants/versions/0001_b.py": drop("0001", "b"),  # the same id, another graph
        "plugins/search/migrations/env.py": ENV_PY,
        "plugins/search/migrations/versions/0001_c.py": drop("0001", "c"),
    })
    code, report = lint_json(tmp_path)
    assert findings(report) == [
        ("MG101", "alembic/versions/0001_a.py", 9, False),
        ("MG101", "alembic_tenants/versions/0001_b.py", 9, False),
        ("MG101", "plugins/search/migrations/versions/0001_c.py", 9, False),
    ]  # no MG403 across environments
    assert report["environments"] == [
        {"path": "alembic/versions", "config": "alembic.ini", "files": 1},
        {"path": "alembic_tenants/versions", "config": "alembic.ini", "files": 1},
        {"path": "plugins/search/migrations/versions", "config": None, "files": 1},
    ]


def test_duplicate_ids_within_one_environment_are_still_reported(tmp_path):
    tree(tmp_path, {
        "alembic/env.py": ENV_PY,
        "alembic/versions/0001_a.py": drop("0001", "a"),
        "alembic/versions/sub/0001_b.py": drop("0001", "b"),
    })
    _, report = lint_json(tmp_path)
    assert [f[:2] for f in findings(report) if f[0] == "MG403"] == [
        ("MG403", "alembic/versions/0001_a.py"), ("MG403", "alembic/versions/sub/0001_b.py")]


def test_vendored_virtualenv_build_and_hidden_folders_are_skipped(tmp_path):
    vendored = {"env.py": ENV_PY, "versions/0001_x.py": drop("0001", "not_ours")}
    files = {"alembic/env.py": ENV_PY, "alembic/versions/0001_ours.py": drop("0001", "ours")}
    for folder in ("node_modules/pkg/migrations", "lib/python3.11/site-packages/pkg/migrations",
                   "build/lib/pkg/migrations", ".tox/py311/pkg/migrations", "pkg.egg-info/migrations",
                   "myvenv/lib/pkg/migrations", "__pycache__/migrations"):
        files.update({f"{folder}/{k}": v for k, v in vendored.items()})
    files["myvenv/pyvenv.cfg"] = "home = /usr/bin\n"  # a virtualenv, whatever its name
    tree(tmp_path, files)
    assert environments(tmp_path) == [("alembic/versions", None, ("alembic/versions/0001_ours.py",))]


def test_conventional_folder_without_env_py_is_the_last_resort(tmp_path):
    tree(tmp_path, {"db/alembic/versions/0001_drop.py": drop("0001", "legacy")})
    code, report = lint_json(tmp_path)
    assert code == 1 and report["environments"] == [{"path": "db/alembic/versions", "config": None, "files": 1}]


def test_text_output_names_each_environment(tmp_path):
    tree(tmp_path, {
        "server/alembic.ini": "[alembic]\nscript_location = migrations\n",
        "server/migrations/env.py": ENV_PY,
        "server/migrations/versions/0001_drop.py": drop("0001", "legacy"),
        "worker/migrations/env.py": ENV_PY,
        "worker/migrations/versions/0001_drop.py": drop("0001", "jobs"),
        "worker/migrations/versions/0002_keep.py": "revision = '0002'\ndown_revision = '0001'\n",
    })
    done = lint(tmp_path)
    lines = [line for line in done.stdout.splitlines() if line.startswith("environment ")]
    assert lines == [
        "environment server/migrations/versions: 1 revision file (configured by server/alembic.ini)",
        "environment worker/migrations/versions: 2 revision files (found by its env.py)",
    ]
    assert done.returncode == 1


# -- nothing found is not a pass -------------------------------------------------------------------

def test_empty_tree_exits_2_saying_where_it_looked(tmp_path):
    tree(tmp_path, {"app/models.py": "x = 1\n", "README.md": "no database here\n"})
    done = lint(tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert f"no Alembic revisions found under {tmp_path}" in done.stderr
    assert "path argument" in done.stderr and "'include'" in done.stderr and "'paths' input" in done.stderr


def test_environment_with_no_revision_yet_exits_2_naming_it(tmp_path):
    tree(tmp_path, {"alembic.ini": "[alembic]\nscript_location = alembic\n", "alembic/env.py": ENV_PY})
    done = lint(tmp_path)
    assert done.returncode == 2
    assert "alembic/versions: 0 revision files (configured by alembic.ini)" in done.stderr


def test_ini_naming_a_missing_folder_is_an_error_naming_the_ini(tmp_path):
    tree(tmp_path, {
        "services/api/alembic.ini": "[alembic]\nscript_location = %(here)s/db/migrations\n",
        "alembic/env.py": ENV_PY,
        "alembic/versions/0001_drop.py": drop("0001", "legacy"),
    })
    done = lint(tmp_path)
    assert done.returncode == 2
    assert "services/api/alembic.ini: script_location" in done.stderr and "does not name a folder" in done.stderr
    # the file can be excluded when it is not an environment of this project
    (tmp_path / ".migration-guard.toml").write_text('exclude = ["services/api/alembic.ini"]\n')
    assert lint(tmp_path).returncode == 1


def test_unreadable_alembic_ini_is_an_error(tmp_path):
    tree(tmp_path, {"alembic.ini": "script_location = alembic\n", "alembic/env.py": ENV_PY,
                    "alembic/versions/0001_drop.py": drop("0001", "legacy")})
    done = lint(tmp_path)
    assert done.returncode == 2 and "alembic.ini: cannot be read as an Alembic configuration" in done.stderr


def test_other_tools_ini_files_are_not_mistaken(tmp_path):
    tree(tmp_path, {"pytest.ini": "[pytest]\naddopts = -q\n", "tox.ini": "no section header\n",
                    "alembic/env.py": ENV_PY, "alembic/versions/0001_drop.py": drop("0001", "legacy")})
    assert lint(tmp_path).returncode == 1


def test_a_directory_argument_without_python_files_is_an_error(tmp_path):
    tree(tmp_path, {"docs/readme.md": "x"})
    done = lint(tmp_path, "docs")
    assert done.returncode == 2 and "docs: no revision files" in done.stderr


def test_an_include_glob_that_matches_nothing_is_an_error(tmp_path):
    tree(tmp_path, {
        ".migration-guard.toml": 'include = ["db/versions/*.py", "db/old/*.py"]\n',
        "db/versions/0001_drop.py": drop("0001", "legacy"),
    })
    done = lint(tmp_path)
    assert done.returncode == 2 and "'db/old/*.py' matches no revision file" in done.stderr


def test_explicit_file_in_an_environment_reads_its_whole_graph(tmp_path):
    tree(tmp_path, {
        "migrations/env.py": ENV_PY,
        "migrations/versions/2024/0001_a.py": drop("0001", "a"),
        "migrations/versions/2025/0002_b.py": drop("0002", "b", "0001"),
        "migrations/versions/2025/0003_c.py": drop("0003", "c", "0001"),  # a second head
    })
    _, report = lint_json(tmp_path, "./migrations/versions/2025/0003_c.py")
    assert findings(report) == [("MG401", "./migrations/versions/2025/0003_c.py", 4, False),
                                ("MG101", "./migrations/versions/2025/0003_c.py", 9, False)]
    assert report["environments"] == [{"path": "migrations/versions", "config": None, "files": 3}]


def test_excluded_folders_are_not_entered(tmp_path):
    tree(tmp_path, {
        ".migration-guard.toml": 'exclude = ["tests/**"]\n',
        "alembic/env.py": ENV_PY, "alembic/versions/0001_drop.py": drop("0001", "legacy"),
        "tests/fixtures/broken/alembic.ini": "[alembic]\nscript_location = nowhere\n",
        "tests/fixtures/app/migrations/env.py": ENV_PY,
        "tests/fixtures/app/migrations/versions/0001_x.py": drop("0001", "fixture"),
    })
    code, report = lint_json(tmp_path)
    assert code == 1 and report["environments"] == [{"path": "alembic/versions", "config": None, "files": 1}]


def test_one_history_per_database_folder(tmp_path):
    """versions/postgresql and versions/sqlite: two graphs; the other database's history is named, not linted."""
    tree(tmp_path, {
        "app/db/alembic.ini": "[alembic]\nscript_location = app:db:_migrations\npath_separator = os\n",
        "app/__init__.py": "", "app/db/__init__.py": "",
        "app/db/_migrations/env.py": ENV_PY,
        "app/db/_migrations/versions/postgresql/0001_a.py": drop("0001", "a"),
        "app/db/_migrations/versions/postgresql/0002_b.py": drop("0002", "b", "0001"),
        "app/db/_migrations/versions/sqlite/0001_a.py": drop("0001", "a"),  # the same ids: another graph
        "app/db/_migrations/versions/sqlite/0002_c.py": drop("0002", "c", "0001"),
    })
    code, report = lint_json(tmp_path)
    assert findings(report) == [("MG101", "app/db/_migrations/versions/postgresql/0001_a.py", 9, False),
                                ("MG101", "app/db/_migrations/versions/postgresql/0002_b.py", 9, False)]
    assert report["environments"] == [
        {"path": "app/db/_migrations/versions/postgresql", "config": "app/db/alembic.ini", "files": 2},
        {"path": "app/db/_migrations/versions/sqlite", "config": "app/db/alembic.ini", "files": 0},
    ]
    done = lint(tmp_path)
    assert ("environment app/db/_migrations/versions/sqlite: 0 revision files (configured by app/db/alembic.ini; "
            "another database's history, not linted for dialect postgresql)") in done.stdout
    (tmp_path / ".migration-guard.toml").write_text('dialect = "sqlite"\n')
    _, report = lint_json(tmp_path)
    assert [f[1] for f in findings(report)] == ["app/db/_migrations/versions/sqlite/0001_a.py",
                                                "app/db/_migrations/versions/sqlite/0002_c.py"]


def test_revisions_beside_database_folders_stay_one_history(tmp_path):
    tree(tmp_path, {
        "alembic/env.py": ENV_PY,
        "alembic/versions/0001_a.py": drop("0001", "a"),
        "alembic/versions/postgresql/0002_b.py": drop("0002", "b", "0001"),
        "alembic/versions/mysql/0002_b.py": drop("0002", "b", "0001"),
    })
    assert environments(tmp_path) == [
        ("alembic/versions", None, ("alembic/versions/0001_a.py",)),
        ("alembic/versions/postgresql", None, ("alembic/versions/postgresql/0002_b.py",)),
        ("alembic/versions/mysql", None, ()),
    ]


def test_repository_text_in_an_error_cannot_start_a_workflow_command(tmp_path):
    tree(tmp_path, {
        "::warning::pwned/alembic.ini": "[alembic]\nscript_location = \x1b[2Jgone\n",
        "0/alembic.ini": "[alembic]\nscript_location = also_gone\n",  # sorts first: the hostile one is line 2
    })
    done = lint(tmp_path)
    assert done.returncode == 2
    assert all(line.startswith("migration-guard: ") for line in done.stderr.splitlines()), done.stderr
    assert "\x1b" not in done.stderr and "'\\x1b[2Jgone'" in done.stderr
