"""Revision-graph rules (MG401-MG404) on small generated version trees."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from migration_guard import cli
from migration_guard.config import Settings, from_table
from migration_guard.engine import lint_sources

GRAPH = {"MG401", "MG402", "MG403"}
PROJECT_FIXTURES = Path(__file__).parent / "fixtures" / "rules" / "project"
META = {"MG901", "MG902", "MG903", "MG904"}


def revision(rid: str, down: str | tuple[str, ...] | None, body: str = "pass", downgrade: str | None = "pass") -> str:
    source = f"from alembic import op\nrevision = {rid!r}\ndown_revision = {down!r}\n\n\ndef upgrade():\n    {body}\n"
    if downgrade is not None:
        source += f"\n\ndef downgrade():\n    {downgrade}\n"
    return source


def tree(*files: tuple[str, str | tuple[str, ...] | None]) -> dict[str, str]:
    return {f"alembic/versions/{rid}.py": revision(rid, down) for rid, down in files}


def lint(files: dict[str, str], changed: list[str] | None = None, codes: set[str] = GRAPH):
    """Lint ``changed`` (default: every file) with the others as the project; (code, path, line) found."""
    changed = list(files) if changed is None else changed
    sources = [(p, files[p].encode()) for p in changed]
    project = [(p, s.encode()) for p, s in files.items() if p not in changed]
    report = lint_sources(sources, Settings(), project=project)
    return sorted((f.code, Path(f.path).stem, f.line) for f in report.findings if f.code in codes)


def test_linear_history_is_clean():
    assert lint(tree(("a", None), ("b", "a"), ("c", "b"))) == []


def test_branch_reports_each_head():
    files = tree(("a", None), ("b", "a"), ("c", "a"))
    assert lint(files) == [("MG401", "b", 2), ("MG401", "c", 2)]


def test_branch_seen_from_the_one_changed_file():
    files = tree(("a", None), ("b", "a"), ("c", "a"))
    assert lint(files, changed=["alembic/versions/c.py"]) == [("MG401", "c", 2)]


def test_merge_revision_leaves_one_head():
    files = tree(("a", None), ("b", "a"), ("c", "a"), ("m", ("b", "c")))
    assert lint(files) == []
    assert lint(files, changed=["alembic/versions/m.py"]) == []


def test_branch_after_a_merge():
    files = tree(("a", None), ("b", "a"), ("c", "a"), ("m", ("b", "c")), ("d", "m"), ("e", "m"))
    assert lint(files) == [("MG401", "d", 2), ("MG401", "e", 2)]


def test_dangling_down_revision():
    files = tree(("a", None), ("b", "a"), ("c", "gone"))
    # c is also a second root, so the history has two heads as well
    assert lint(files, changed=["alembic/versions/c.py"]) == [("MG401", "c", 2), ("MG402", "c", 3)]


def test_dangling_parent_of_a_merge():
    files = tree(("a", None), ("b", "a"), ("m", ("b", "x")))
    assert lint(files) == [("MG402", "m", 3)]  # at its down_revision line


def test_duplicate_revision_reported_on_both_files():
    files = tree(("a", None), ("b", "a"))
    files["alembic/versions/b_copy.py"] = revision("b", "a")
    assert lint(files) == [("MG403", "b", 2), ("MG403", "b_copy", 2)]
    assert lint(files, changed=["alembic/versions/b_copy.py"]) == [("MG403", "b_copy", 2)]


def test_unparsable_file_suspends_heads_and_parents():
    files = tree(("a", None), ("b", "a"))
    files["alembic/versions/c.py"] = "revision = 'c'\ndown_revision = 'b'\ndef upgrade(:\n"
    # the broken file may be the child of b: no MG401 for b, and MG901 fails the run anyway
    assert lint(files, codes=GRAPH | {"MG901"}) == [("MG901", "c", 3)]


def test_files_without_a_revision_id_are_not_revisions():
    files = tree(("a", None), ("b", "a"))
    files["alembic/versions/helpers.py"] = "def helper():\n    return 1\n"
    assert lint(files) == []


def test_annotated_assignments_as_alembic_writes_them():
    source = ('from typing import Sequence, Union\n'
              'revision: str = "b"\n'
              'down_revision: Union[str, None] = "a"\n'
              'branch_labels: Union[str, Sequence[str], None] = None\n')
    files = {"alembic/versions/a.py": revision("a", None), "alembic/versions/b.py": source}
    assert lint(files) == []


# -- MG404 -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body,downgrade,expected", [
    ("op.create_table('t')", None, [("MG404", "a", 2)]),
    ("op.create_table('t')", "pass", [("MG404", "a", 10)]),
    ("op.create_table('t')", "op.drop_table('t')", []),
    ("op.execute('CREATE EXTENSION IF NOT EXISTS pgcrypto')", "pass", [("MG404", "a", 10)]),
    ("op.execute(\"COMMENT ON TABLE t IS 'x'\")", "pass", [("MG404", "a", 10)]),
    ("op.execute('UPDATE t SET a = 1 WHERE b')", "pass", []),
    ("pass", None, []),
    ("op.create_table('t')", "raise NotImplementedError('irreversible')", []),
])
def test_missing_downgrade(body, downgrade, expected):
    files = {"alembic/versions/a.py": revision("a", None, body, downgrade)}
    assert lint(files, codes={"MG404"}) == expected


# -- the CLI reads the whole versions directory --------------------------------------------------------------

def test_cli_lints_one_file_against_its_siblings(tmp_path, monkeypatch, capsys):
    versions = tmp_path / "alembic" / "versions"
    versions.mkdir(parents=True)
    for path, source in tree(("a", None), ("b", "a"), ("c", "a")).items():
        (tmp_path / path).write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = cli.main(["lint", "alembic/versions/c.py", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert [(f["code"], f["path"], f["line"]) for f in out["findings"]] == [("MG401", "alembic/versions/c.py", 2)]
    assert out["files"] == ["alembic/versions/c.py"]
    assert code == 0  # a warning does not fail the default fail-on=error


# -- project fixtures (cases that need more than one file) ----------------------------------------------------

def _project_cases():
    for path in sorted(PROJECT_FIXTURES.glob("MG*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        codes = set(data.get("codes", [data["rule"]])) | META
        for case in data["case"]:
            yield pytest.param(codes, case, id=f"{path.stem.split('_')[0]}_{case['name']}")


@pytest.mark.parametrize("codes,case", list(_project_cases()))
def test_project_fixture_case(codes, case):
    project = [(f["path"], f["source"].encode()) for f in case.get("project", [])]
    report = lint_sources([("alembic/versions/0009_case.py", case["source"].encode())],
                          from_table(case.get("settings", {})), project=project)
    got = [[f.code, f.line, f.bypassed] for f in report.findings if f.code in codes]
    assert got == case["expect"], "\n".join(f"{f.code}:{f.line} {f.message}" for f in report.findings)
