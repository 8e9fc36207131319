"""``migration-guard verify`` on the reference project and on deliberately broken ones."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.alembic_project import project, sql
from tests.support.attribution import ALEMBIC_INI, MATVIEWS, ROOT, connect

from migration_guard.verify import cli
from migration_guard.verify.report import md

def verify(capsys, url: str | None, ini: str, expect: str = "", fmt: str = "json", *, config: str | None = None,
           with_data: bool = False, fail_uncovered: str = ""):
    args = argparse.Namespace(database_url=url, alembic_ini=ini, expect_matviews=expect, format=fmt, config=config,
                              with_data=with_data, fail_uncovered=fail_uncovered)
    code = cli.run(args)
    out, err = capsys.readouterr()
    report = json.loads(out) if fmt == "json" and out else None
    return code, report, out, err


def steps(report: dict) -> dict[str, dict]:
    return {step["name"]: step for step in report["steps"]}


STEP_NAMES = ["upgrade", "destruction", "expected-matviews", "unique-indexes", "refresh-concurrently", "downgrade",
              "clean-base", "re-upgrade"]


def test_reference_project_verifies(capsys, database_url):
    code, report, _, err = verify(capsys, database_url, str(ALEMBIC_INI), ",".join(MATVIEWS))
    assert code == 0, err
    assert report["version"] == 1 and report["ok"] is True
    assert report["heads"] == ["202511151510"]
    assert [s["name"] for s in report["steps"]] == STEP_NAMES
    assert all(s["status"] == "passed" and s["ok"] and s["seconds"] >= 0 for s in report["steps"])
    by = steps(report)
    assert len(by["upgrade"]["revisions"]) == 10 and by["upgrade"]["error"] is None
    assert [r["revision"] for r in by["downgrade"]["revisions"]][0] == "202511151510"
    assert by["expected-matviews"]["missing"] == []
    indexes = {v["name"]: v["unique_index"] for v in report["matviews"]}
    assert indexes == {f"public.{v}": f"idx_{v}_unique" for v in MATVIEWS}
    assert all(isinstance(v["refresh_seconds"], float) and v["ok"] for v in report["matviews"])
    with connect(database_url) as conn:  # verify leaves the database at head
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("202511151510",)


def views_refresh_error(report: dict, name: str) -> str | None:
    return next(v["refresh_error"] for v in report["matviews"] if v["name"] == name)


def test_views_without_a_usable_unique_index_are_named(capsys, database_url, tmp_path):
    ini = project(tmp_path, ("a1", None, sql(
        "CREATE TABLE t (id int PRIMARY KEY, k int, v int)",
        "CREATE MATERIALIZED VIEW mv_ok AS SELECT id, v FROM t",
        "CREATE UNIQUE INDEX mv_ok_id ON mv_ok (id)",
        "CREATE MATERIALIZED VIEW mv_plain AS SELECT id, v FROM t",
        "CREATE INDEX mv_plain_id ON mv_plain (id)",
        "CREATE MATERIALIZED VIEW mv_partial AS SELECT id, v FROM t",
        "CREATE UNIQUE INDEX mv_partial_id ON mv_partial (id) WHERE v > 0",
        "CREATE MATERIALIZED VIEW mv_expr AS SELECT id, v FROM t",
        "CREATE UNIQUE INDEX mv_expr_id ON mv_expr ((id + 0))",
    ), sql("DROP MATERIALIZED VIEW mv_ok", "DROP MATERIALIZED VIEW mv_plain",
           "DROP MATERIALIZED VIEW mv_partial", "DROP MATERIALIZED VIEW mv_expr", "DROP TABLE t")))
    code, report, _, _ = verify(capsys, database_url, ini)
    assert code == 1 and report["ok"] is False
    by = steps(report)
    assert by["unique-indexes"]["status"] == "failed"
    assert by["unique-indexes"]["failing"] == ["public.mv_expr", "public.mv_partial", "public.mv_plain"]
    assert by["unique-indexes"]["detail"] == (
        "public.mv_expr: no unique index REFRESH CONCURRENTLY can use (mv_expr_id: indexes an expression); "
        "public.mv_partial: no unique index REFRESH CONCURRENTLY can use (mv_partial_id: partial (has a WHERE clause)); "
        "public.mv_plain: no unique index")
    assert by["refresh-concurrently"]["failing"] == ["public.mv_expr", "public.mv_partial", "public.mv_plain"]
    assert views_refresh_error(report, "public.mv_plain") == (
        'cannot refresh materialized view "public.mv_plain" concurrently (HINT: Create a unique index with no '
        'WHERE clause on one or more columns of the materialized view.)')
    assert by["expected-matviews"]["status"] == "skipped"
    for name in ("upgrade", "downgrade", "clean-base", "re-upgrade"):
        assert by[name]["status"] == "passed", name
    views = {v["name"]: v for v in report["matviews"]}
    assert views["public.mv_ok"]["ok"] and views["public.mv_ok"]["unique_index"] == "mv_ok_id"
    assert views["public.mv_plain"]["unique_index"] is None and views["public.mv_plain"]["ok"] is False


def test_a_failing_revision_is_named_with_postgresqls_error(capsys, database_url, tmp_path):
    ini = project(tmp_path,
                  ("r1", None, sql("CREATE TABLE ok_table (id int)"), sql("DROP TABLE ok_table")),
                  ("r2", "r1", sql("ALTER TABLE no_such_table ADD COLUMN x int"), "pass"),
                  ("r3", "r2", sql("CREATE TABLE never (id int)"), sql("DROP TABLE never")))
    code, report, _, _ = verify(capsys, database_url, ini)
    assert code == 1
    up = steps(report)["upgrade"]
    assert up["status"] == "failed"
    assert up["error"]["revision"] == "r2"
    assert up["error"]["sqlstate"] == "42P01"
    assert up["error"]["message"] == 'relation "no_such_table" does not exist'
    assert up["error"]["statement"] == "ALTER TABLE no_such_table ADD COLUMN x int"
    assert up["detail"] == 'revision r2 failed [42P01]: relation "no_such_table" does not exist'
    assert [r["revision"] for r in up["revisions"]] == ["r1"]
    assert steps(report)["destruction"]["status"] == "passed"  # judged on the revisions that ran
    assert [s["status"] for s in report["steps"][2:]] == ["skipped"] * 6


def test_a_python_error_in_a_revision_is_named(capsys, database_url, tmp_path):
    ini = project(tmp_path, ("p1", None, "raise RuntimeError('boom in upgrade')", "pass"))
    code, report, _, _ = verify(capsys, database_url, ini)
    assert code == 1
    assert steps(report)["upgrade"]["error"]["revision"] == "p1"
    assert steps(report)["upgrade"]["error"]["message"] == "RuntimeError: boom in upgrade"


def test_a_downgrade_that_leaves_objects_behind_is_reported(capsys, database_url, tmp_path):
    ini = project(tmp_path, ("d1", None, sql(
        "CREATE TABLE kept_tidy (id int)", "CREATE TABLE left_behind (id int)",
        "CREATE TYPE mood AS ENUM ('ok', 'sad')",
        "CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'",
    ), sql("DROP TABLE kept_tidy")))
    code, report, _, _ = verify(capsys, database_url, ini)
    assert code == 1
    clean = steps(report)["clean-base"]
    assert clean["status"] == "failed"
    assert clean["leftovers"] == [{"kind": "function", "name": "public.answer()"},
                                  {"kind": "table", "name": "public.left_behind"},
                                  {"kind": "type", "name": "public.mood"}]
    assert clean["detail"] == ("left behind after downgrade to base: function public.answer(), "
                               "table public.left_behind, type public.mood")
    assert steps(report)["downgrade"]["status"] == "passed"


def test_a_failing_downgrade_is_named(capsys, database_url, tmp_path):
    ini = project(tmp_path,
                  ("f1", None, sql("CREATE TABLE a (id int)"), sql("DROP TABLE a")),
                  ("f2", "f1", sql("CREATE TABLE b (id int)"), sql("DROP TABLE b_typo")))
    code, report, _, _ = verify(capsys, database_url, ini)
    assert code == 1
    down = steps(report)["downgrade"]
    assert down["error"]["revision"] == "f2" and down["error"]["sqlstate"] == "42P01"
    assert down["detail"] == 'revision f2 failed [42P01]: table "b_typo" does not exist'
    assert [s["status"] for s in report["steps"][-2:]] == ["skipped", "skipped"]


def test_missing_expected_matviews_fail(capsys, database_url, tmp_path):
    ini = project(tmp_path, ("e1", None, sql(
        "CREATE MATERIALIZED VIEW mv_here AS SELECT 1 AS id",
        "CREATE UNIQUE INDEX mv_here_id ON mv_here (id)"), sql("DROP MATERIALIZED VIEW mv_here")))
    code, report, _, _ = verify(capsys, database_url, ini, expect="mv_here, public.mv_here,mv_gone")
    assert code == 1
    exp = steps(report)["expected-matviews"]
    assert exp["missing"] == ["mv_gone"] and exp["expected"] == ["mv_here", "public.mv_here", "mv_gone"]
    assert exp["detail"] == "missing 1 of 3: mv_gone"
    assert [s["name"] for s in report["steps"] if s["status"] == "failed"] == ["expected-matviews"]


def test_usage_errors_exit_2_with_a_message(capsys, database_url, tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    ini = str(ALEMBIC_INI)
    cases = [
        (None, ini, "no database URL: pass --database-url or set DATABASE_URL"),
        ("mysql://u:pw@localhost/db", ini, "invalid database URL mysql://u:***@localhost/db"),
        ("postgresql://u:pw@localhost:notaport/db", ini, "invalid database URL"),
        (database_url, str(tmp_path / "nope.ini"), "Alembic config not found"),
        ("postgresql://someone:s3cret-pw@127.0.0.1:1/db", ini, "cannot connect to postgresql://someone:***@127.0.0.1:1/db"),
    ]
    (tmp_path / "empty.ini").write_text("[alembic]\n")
    cases.append((database_url, str(tmp_path / "empty.ini"), "has no script_location"))
    (tmp_path / "elsewhere.ini").write_text("[alembic]\nscript_location = %(here)s/no_such_dir\n")
    cases.append((database_url, str(tmp_path / "elsewhere.ini"), "no_such_dir"))
    for url, path, message in cases:
        code, _, out, err = verify(capsys, url, path)
        assert code == 2, (url, path, err)
        assert out == ""
        assert err.startswith("migration-guard verify: error: ") and message in err, err
        assert "Traceback" not in err and "s3cret-pw" not in err and ":pw@" not in err


def test_a_database_that_is_not_empty_is_refused(capsys, database_url):
    with connect(database_url) as conn:
        conn.execute("CREATE TABLE precious (id int)")
    code, _, out, err = verify(capsys, database_url, str(ALEMBIC_INI))
    assert code == 2 and out == ""
    assert "is not empty (1 relation(s): public.precious)" in err
    with connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'precious'").fetchone() == (1,)


def test_module_entry_point_keeps_stdout_clean(database_url, tmp_path):
    ini = project(tmp_path, ("m1", None, sql("CREATE TABLE m (id int)"), sql("DROP TABLE m")))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.run([sys.executable, "-m", "migration_guard.verify", "--database-url", database_url,
                           "--alembic-ini", ini, "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["ok"] is True  # env.py's print went to stderr
    assert "env.py says hello on stdout" in proc.stderr


def test_text_and_markdown_reports(capsys, database_url, pg_server, tmp_path):
    ini = project(tmp_path, ("x1", None, sql(
        'CREATE MATERIALIZED VIEW "mv_a|b" AS SELECT 1 AS id'), sql('DROP MATERIALIZED VIEW "mv_a|b"')))
    code, _, out, _ = verify(capsys, database_url, ini, fmt="markdown")
    assert code == 1
    assert out.startswith("## migration-guard verify: ❌ verification failed\n")
    assert "| unique\\-indexes |" not in out  # hyphens are left alone
    assert "| unique-indexes | ❌ failed |" in out
    assert "| public.mv\\_a\\|b | none |" in out  # the pipe cannot split the table row
    second = pg_server.create_database()
    code, _, out, _ = verify(capsys, pg_server.url(second), ini, fmt="text")
    pg_server.drop_database(second)
    assert code == 1
    assert "  FAIL  unique-indexes" in out and out.rstrip().endswith("result: FAILED")


def test_markdown_escaping_of_hostile_text():
    assert md("a|b") == "a\\|b"
    assert md("<img src=x>") == "&lt;img src=x&gt;"
    assert md("ping @admin") == "ping @&#8203;admin"
    assert md("two\nlines") == "two lines"
    assert md("`code` *bold* [link](x)") == "\\`code\\` \\*bold\\* \\[link\\](x)"


def test_a_revision_file_that_does_not_import_fails_the_upgrade(capsys, database_url, tmp_path):
    ini = project(tmp_path, ("s1", None, sql("CREATE TABLE s (id int)"), sql("DROP TABLE s")))
    (tmp_path / "migrations" / "versions" / "s2.py").write_text("revision = 's2'\ndown_revision = 's1'\ndef upgrade(:\n")
    code, report, _, _ = verify(capsys, database_url, ini)
    assert code == 1
    up = steps(report)["upgrade"]
    assert up["error"]["revision"] == "(loading revisions)"
    assert up["error"]["message"].startswith("SyntaxError: ")
    assert up["revisions"] == []
    assert steps(report)["destruction"]["detail"] == "skipped: no revision ran"


def test_the_cli_subcommand_is_wired_and_imports_nothing_heavy_until_run():
    proc = subprocess.run([sys.executable, "-m", "migration_guard", "verify", "--database-url", "mysql://u:pw@h/db"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == ("migration-guard verify: error: invalid database URL mysql://u:***@h/db: "
                           "expected postgresql://user:password@host:port/database\n")
    probe = ("import sys, migration_guard.cli, migration_guard.verify.cli, migration_guard.verify.runner; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'sqlalchemy', 'psycopg'}))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr
