"""verify's catalog diff, its cross-check with the static findings, --with-data and the executed SQL."""

from __future__ import annotations

import os
import re

from tests.pg.test_verify import steps, verify
from tests.support.alembic_project import project, sql
from tests.support.attribution import ALEMBIC_INI, EXAMPLE


def destroyed(report: dict) -> list[tuple]:
    """(revision, kind, schema, table, name, change, went_with) of every destroyed object, in report order."""
    return [(d["revision"], d["kind"], d["schema"], d["table"], d["name"], d["change"], d["went_with"])
            for d in report["destroyed"]]


def coverage(report: dict) -> dict[tuple, tuple | None]:
    """(kind, name) -> (code, line, bypassed, reason) of the covering finding, or None."""
    out = {}
    for d in report["destroyed"]:
        c = d["covered_by"]
        out[(d["kind"], d["name"])] = (c["code"], c["line"], c["bypassed"], c["reason"]) if c else None
    return out


def executed(report: dict, revision: str) -> list[dict]:
    return next(run["statements"] for run in report["executed"] if run["revision"] == revision)


def revision_path(ini: str, rev: str) -> str:
    """As findings print it: relative to the working directory when under it."""
    path = os.path.join(os.path.dirname(ini), "migrations", "versions", f"{rev}.py")
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def test_sql_read_from_a_file_destroys_what_no_finding_covers(capsys, database_url, tmp_path):
    ini = project(
        tmp_path,
        ("v1", None, sql("CREATE TABLE orders (id int PRIMARY KEY, note text)", "CREATE TABLE audit_scratch (id int)"),
         sql("DROP TABLE audit_scratch", "DROP TABLE orders")),
        ("v2", "v1", "from pathlib import Path\nop.execute(Path(__file__).with_suffix('.sql').read_text())",
         sql("CREATE TABLE audit_scratch (id int)", "ALTER TABLE orders ADD COLUMN note text")),
    )
    (tmp_path / "migrations" / "versions" / "v2.sql").write_text(
        "ALTER TABLE orders DROP COLUMN note;\nDROP TABLE audit_scratch;\n")
    code, report, _, _ = verify(capsys, database_url, ini)
    assert code == 1 and report["ok"] is False
    assert destroyed(report) == [
        ("v2", "table", "public", "audit_scratch", "audit_scratch", "dropped", None),
        ("v2", "column", "public", "orders", "note", "dropped", None),
    ]
    assert coverage(report) == {("table", "audit_scratch"): None, ("column", "note"): None}
    assert [d["fails"] for d in report["destroyed"]] == [True, True]
    step = steps(report)["destruction"]
    assert step["status"] == "failed"
    assert step["uncovered"] == ["v2: table public.audit_scratch", "v2: column public.orders.note"]
    assert step["detail"].startswith("no finding covers v2: table public.audit_scratch; v2: column public.orders.note")
    # The statements the file held, as PostgreSQL received them.
    assert [s["sql"] for s in executed(report, "v2")] == [
        "ALTER TABLE orders DROP COLUMN note;\nDROP TABLE audit_scratch;"]
    # Every other step still ran and passed: the project builds, it just destroys unseen.
    assert [s["name"] for s in report["steps"] if s["status"] == "failed"] == ["destruction"]


def test_a_bypassed_drop_column_and_an_unbypassed_drop_constraint_are_covered(capsys, database_url, tmp_path):
    ini = project(
        tmp_path,
        ("c1", None, sql("CREATE TABLE users (id int PRIMARY KEY, email text, legacy text,"
                         " CONSTRAINT users_email_key UNIQUE (email))"), sql("DROP TABLE users")),
        ("c2", "c1",
         'import sqlalchemy as sa\n'
         'op.drop_column("users", "legacy")  # CI:DESTRUCTIVE_OK nothing reads it since v41\n'
         'op.drop_constraint("users_email_key", "users", type_="unique")',
         'import sqlalchemy as sa\nop.add_column("users", sa.Column("legacy", sa.Text()))'),
    )
    code, report, _, _ = verify(capsys, database_url, ini)
    path = revision_path(ini, "c2")
    assert destroyed(report) == [
        ("c2", "column", "public", "users", "legacy", "dropped", None),
        ("c2", "constraint", "public", "users", "users_email_key", "dropped", None),
        ("c2", "index", "public", "users", "users_email_key", "dropped", "constraint public.users_email_key"),
    ]
    assert report["destroyed"][0]["covered_by"] == {
        "code": "MG102", "path": path, "line": 12, "bypassed": True, "reason": "nothing reads it since v41"}
    assert report["destroyed"][1]["covered_by"] == {
        "code": "MG107", "path": path, "line": 13, "bypassed": False, "reason": None}
    # The unique index went with its constraint and is covered by the same finding.
    assert report["destroyed"][2]["covered_by"] == report["destroyed"][1]["covered_by"]
    assert steps(report)["destruction"]["status"] == "passed" and steps(report)["destruction"]["uncovered"] == []
    assert code == 0


def test_a_table_recreated_under_its_name_lost_its_rows(capsys, database_url, tmp_path):
    ini = project(
        tmp_path,
        ("t1", None, sql("CREATE TABLE ledger (id int, amount int)"), sql("DROP TABLE ledger")),
        ("t2", "t1", sql("DROP TABLE ledger", "CREATE TABLE ledger (id int, amount int)",
                         "ALTER TABLE ledger DROP COLUMN amount", "ALTER TABLE ledger ADD COLUMN amount int"), "pass"),
        ("t3", "t2", sql("ALTER TABLE ledger RENAME TO journal"), sql("ALTER TABLE journal RENAME TO ledger")),
    )
    code, report, _, _ = verify(capsys, database_url, ini)
    # Same name, new OID: the old table is gone. Its columns went with it; a rename destroys nothing.
    assert destroyed(report) == [("t2", "table", "public", "ledger", "ledger", "re-created", None)]
    assert coverage(report) == {("table", "ledger"): ("MG101", 11, False, None)}
    assert code == 0


def test_a_column_dropped_and_added_back_under_its_name_is_destroyed(capsys, database_url, tmp_path):
    ini = project(
        tmp_path,
        ("k1", None, sql("CREATE TABLE k (id int, v int)"), sql("DROP TABLE k")),
        ("k2", "k1", "op.execute(\"ALTER TABLE k DROP COLUMN v, ADD COLUMN v int\")", "pass"),
    )
    code, report, _, _ = verify(capsys, database_url, ini)
    assert destroyed(report) == [("k2", "column", "public", "k", "v", "re-created", None)]
    assert report["destroyed"][0]["detail"] == "a new object under the same name: the old one's contents are gone"


def test_a_schema_dropped_with_cascade_and_a_partitioned_table_take_their_contents(capsys, database_url, tmp_path):
    ini = project(
        tmp_path,
        ("p1", None, sql("CREATE SCHEMA billing", "CREATE TABLE billing.invoices (id int)",
                         "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at)",
                         "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"),
         sql("DROP TABLE events", "DROP SCHEMA billing CASCADE")),
        ("p2", "p1", sql("DROP SCHEMA billing CASCADE", "CREATE SCHEMA billing", "DROP TABLE events"),
         sql("CREATE TABLE billing.invoices (id int)", "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at)")),
    )
    code, report, _, _ = verify(capsys, database_url, ini)
    assert destroyed(report) == [
        ("p2", "table", "billing", "invoices", "invoices", "dropped", "schema billing"),
        ("p2", "table", "public", "events", "events", "dropped", None),
        ("p2", "table", "public", "events_2025", "events_2025", "dropped", "table public.events"),
        ("p2", "schema", "billing", None, "billing", "re-created", None),
    ]
    assert coverage(report) == {("table", "invoices"): ("MG103", 11, False, None),
                                ("table", "events"): ("MG101", 13, False, None),
                                ("table", "events_2025"): ("MG101", 13, False, None),
                                ("schema", "billing"): ("MG103", 11, False, None)}
    assert code == 0


def test_a_type_change_is_listed_only_when_it_rewrites(capsys, database_url, tmp_path):
    ini = project(
        tmp_path,
        ("y1", None, sql("CREATE TABLE y (id int PRIMARY KEY, a int, b varchar(10))",
                         "CREATE INDEX y_a ON y (a)"), sql("DROP TABLE y")),
        ("y2", "y1", 'import sqlalchemy as sa\nop.alter_column("y", "a", type_=sa.BigInteger())', "pass"),
        ("y3", "y2", 'import sqlalchemy as sa\nop.alter_column("y", "b", type_=sa.String(20))', "pass"),
    )
    code, report, _, _ = verify(capsys, database_url, ini)
    # int -> bigint rewrites the table; varchar(10) -> varchar(20) does not and is not listed. The index
    # PostgreSQL rebuilt on the rewritten column keeps its name and definition: not listed either.
    assert destroyed(report) == [("y2", "column", "public", "y", "a", "rewritten", None)]
    assert report["destroyed"][0]["detail"] == "type integer -> bigint, table rewritten"
    assert coverage(report) == {("column", "a"): ("MG210", 12, False, None)}
    assert code == 0


def test_drop_type_cascade_takes_a_column_along(capsys, database_url, tmp_path):
    ini = project(
        tmp_path,
        ("e1", None, sql("CREATE TYPE mood AS ENUM ('ok', 'sad')", "CREATE TABLE diary (id int, feeling mood)",
                         "CREATE TYPE span AS RANGE (subtype = int)"),
         sql("DROP TABLE diary", "DROP TYPE mood", "DROP TYPE span")),
        ("e2", "e1", sql("DROP TYPE mood CASCADE", "DROP TYPE span"),
         sql("CREATE TYPE mood AS ENUM ('ok', 'sad')", "ALTER TABLE diary ADD COLUMN feeling mood",
             "CREATE TYPE span AS RANGE (subtype = int)")),
    )
    code, report, _, _ = verify(capsys, database_url, ini)
    # The range's multirange type goes with it and is not listed on its own.
    assert destroyed(report) == [
        ("e2", "column", "public", "diary", "feeling", "dropped", "type public.mood"),
        ("e2", "type", "public", None, "mood", "dropped", None),
        ("e2", "type", "public", None, "span", "dropped", None),
    ]
    assert code == 1
    # MG108 drop-type-cascade covers the cascading drop, and with it the column that went along;
    # a plain DROP TYPE has no rule (PostgreSQL refuses it while anything uses the type).
    assert steps(report)["destruction"]["uncovered"] == ["e2: type public.span"]
    assert report["destroyed"][0]["covered_by"]["code"] == report["destroyed"][1]["covered_by"]["code"] == "MG108"


def test_an_enum_recreated_without_a_value_lists_the_lost_value(capsys, database_url, tmp_path):
    ini = project(
        tmp_path,
        ("n1", None, sql("CREATE TYPE state AS ENUM ('new', 'paid', 'void')"), sql("DROP TYPE state")),
        ("n2", "n1", sql("ALTER TYPE state RENAME TO state_old", "CREATE TYPE state AS ENUM ('new', 'paid')",
                         "DROP TYPE state_old"), "pass"),
        ("n3", "n2", sql("ALTER TYPE state RENAME TO state_old", "CREATE TYPE state AS ENUM ('new', 'paid', 'x')",
                         "DROP TYPE state_old"), "pass"),
    )
    code, report, _, _ = verify(capsys, database_url, ini)
    assert destroyed(report) == [("n2", "type", "public", None, "state", "re-created", None)]
    assert report["destroyed"][0]["detail"] == "enum values removed: 'void'"
    assert code == 1


def test_with_data_catches_a_delete_built_at_run_time(capsys, database_url, pg_server, tmp_path):
    ini = project(
        tmp_path,
        ("d1", None, sql("CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL UNIQUE)",
                         "CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers,"
                         " status text NOT NULL CHECK (status IN ('open', 'closed')), placed date)",
                         "CREATE TABLE odd (x int CHECK (x > 1000000 AND x < 1000002))"),
         sql("DROP TABLE odd", "DROP TABLE orders", "DROP TABLE customers")),
        ("d2", "d1",
         'import sqlalchemy as sa\n'
         'name = op.get_bind().execute(sa.text("SELECT \'ord\' || \'ers\'")).scalar()\n'
         'op.execute(f"DELETE FROM {name} WHERE status = \'open\'")', "pass"),
    )
    code, report, _, _ = verify(capsys, database_url, ini, with_data=True)
    assert code == 1
    step = steps(report)["destruction"]
    assert step["filled"] == {"public.customers": 3, "public.orders": 3}
    assert list(step["unfilled"]) == ["public.odd"]
    assert "violates check constraint" in step["unfilled"]["public.odd"]
    assert report["rows_deleted"] == [{"revision": "d2", "schema": "public", "table": "orders", "before": 3,
                                       "after": 2, "covered_by": None, "fails": True}]
    assert step["uncovered"] == ["d2: 1 row(s) of table public.orders"]
    assert report["destroyed"] == []
    # Without data there is nothing to lose, and verify cannot tell.
    second = pg_server.create_database()
    try:
        code, report, _, _ = verify(capsys, pg_server.url(second), ini)
    finally:
        pg_server.drop_database(second)
    assert code == 0 and report["rows_deleted"] == [] and steps(report)["destruction"]["with_data"] is False


def test_with_data_rows_deleted_under_a_finding_are_covered(capsys, database_url, tmp_path):
    ini = project(
        tmp_path,
        ("w1", None, sql("CREATE TABLE parent (id int PRIMARY KEY)",
                         "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE CASCADE)"),
         sql("DROP TABLE child", "DROP TABLE parent")),
        ("w2", "w1", 'op.execute("DELETE FROM parent")  # CI:DESTRUCTIVE_OK fixture rows only', "pass"),
    )
    code, report, _, _ = verify(capsys, database_url, ini, with_data=True)
    cover = {"code": "MG106", "path": revision_path(ini, "w2"), "line": 11, "bypassed": True,
             "reason": "fixture rows only"}
    # The children went by ON DELETE CASCADE: covered by the parent's finding.
    assert report["rows_deleted"] == [
        {"revision": "w2", "schema": "public", "table": "child", "before": 3, "after": 0, "covered_by": cover,
         "fails": False},
        {"revision": "w2", "schema": "public", "table": "parent", "before": 3, "after": 0, "covered_by": cover,
         "fails": False},
    ]
    assert code == 0


def test_executed_sql_with_durations_and_locks(capsys, database_url, tmp_path):
    ini = project(
        tmp_path,
        ("s1", None, sql("CREATE TABLE s (id int)"), sql("DROP TABLE s")),
        ("s2", "s1", sql("ALTER TABLE s ADD COLUMN x int", "COMMENT ON TABLE s IS 'x'"), "pass"),
        ("s3", "s2", sql("CREATE INDEX s_x ON s (x)"), "pass"),
        ("s4", "s3", sql("SELECT count(*) FROM s", "ALTER TABLE s ADD COLUMN x int"), "pass"),
    )
    code, report, _, _ = verify(capsys, database_url, ini)
    assert code == 1  # s4 fails: the column exists
    assert [run["revision"] for run in report["executed"]] == ["s1", "s2", "s3", "s4"]
    s2 = executed(report, "s2")
    assert [(s["sql"], s["locks"]) for s in s2] == [
        ("ALTER TABLE s ADD COLUMN x int", [{"relation": "public.s", "mode": "AccessExclusiveLock"}]),
        # The same transaction still holds the first statement's lock on the table it names.
        ("COMMENT ON TABLE s IS 'x'", [{"relation": "public.s", "mode": "AccessExclusiveLock"}]),
    ]
    assert all(isinstance(s["seconds"], float) and s["seconds"] >= 0 and s["error"] is None for s in s2)
    assert [(s["sql"], s["locks"]) for s in executed(report, "s3")] == [
        ("CREATE INDEX s_x ON s (x)", [{"relation": "public.s", "mode": "ShareLock"}])]
    s4 = executed(report, "s4")
    assert [(s["sql"], s["error"]) for s in s4] == [
        ("SELECT count(*) FROM s", None),
        ("ALTER TABLE s ADD COLUMN x int", 'column "x" of relation "s" already exists')]
    assert s4[0]["locks"] == [{"relation": "public.s", "mode": "AccessShareLock"}] and s4[0]["rows"] == 1
    # Alembic's own bookkeeping (the version table) is not the revision's SQL.
    assert not any("alembic_version" in s["sql"] for run in report["executed"] for s in run["statements"])
    assert all(run["audit_seconds"] >= 0 for run in report["executed"])


def test_markdown_and_text_show_destruction_and_escape_the_sql(capsys, database_url, pg_server, tmp_path):
    ini = project(
        tmp_path,
        ("m1", None, sql("CREATE TABLE m (id int, gone int)"), sql("DROP TABLE m")),
        ("m2", "m1", "from pathlib import Path\nop.execute(Path(__file__).with_suffix('.sql').read_text())", "pass"),
    )
    (tmp_path / "migrations" / "versions" / "m2.sql").write_text("ALTER TABLE m DROP COLUMN gone -- </pre><img src=x> @admin ```")
    code, _, out, _ = verify(capsys, database_url, ini, fmt="markdown")
    assert code == 1
    assert "### What each revision destroyed" in out
    assert "| m2 | column public.m.gone dropped | ❌ no finding |  |" in out
    assert "<details><summary>m2: 1 statement(s)</summary>" in out
    assert "ALTER TABLE m DROP COLUMN gone -- &lt;/pre&gt;&lt;img src=x&gt; @&#8203;admin ```;" in out
    assert "<img" not in out and "@admin" not in out and out.count("</pre>") == 2
    second = pg_server.create_database()
    try:
        code, _, out, _ = verify(capsys, pg_server.url(second), ini, fmt="text")
    finally:
        pg_server.drop_database(second)
    assert "  revision m2: 1 statement(s), 1 destroyed\n" in out
    assert "    column public.m.gone dropped: NOT COVERED by any finding\n" in out
    assert re.search(r"    > ALTER TABLE m DROP COLUMN gone -- </pre><img src=x> @admin ```  \[\d+\.\d ms; "
                     r"AccessExclusiveLock on public\.m\]\n", out)


def test_fail_uncovered_makes_listed_kinds_fail(capsys, database_url, pg_server, tmp_path):
    ini = project(
        tmp_path,
        ("i1", None, sql("CREATE TABLE i (id int)", "CREATE INDEX i_id ON i (id)"), sql("DROP TABLE i")),
        ("i2", "i1", "from pathlib import Path\nop.execute(Path(__file__).with_suffix('.sql').read_text())", "pass"),
    )
    (tmp_path / "migrations" / "versions" / "i2.sql").write_text("DROP INDEX i_id")
    code, report, _, _ = verify(capsys, database_url, ini)
    assert code == 0 and destroyed(report) == [("i2", "index", "public", "i", "i_id", "dropped", None)]
    second = pg_server.create_database()
    try:
        code, report, _, _ = verify(capsys, pg_server.url(second), ini, fail_uncovered="index")
    finally:
        pg_server.drop_database(second)
    assert code == 1 and steps(report)["destruction"]["uncovered"] == ["i2: index public.i_id"]
    code, _, out, err = verify(capsys, database_url, ini, fail_uncovered="index,table")
    assert code == 2 and out == "" and "--fail-uncovered: unknown kind 'table'" in err


def test_reference_project_lists_its_four_bypassed_column_drops_as_covered(capsys, database_url):
    code, report, _, err = verify(capsys, database_url, str(ALEMBIC_INI))
    assert code == 0, err
    path = os.path.relpath(EXAMPLE / "alembic" / "versions" / "202511151430_realign_revenue_ledger.py")
    columns = [(d["name"], d["covered_by"]) for d in report["destroyed"] if d["kind"] == "column"]
    reason = "replaced by {}, backfilled above in this transaction"
    assert columns == [
        ("amount", {"code": "MG102", "path": path, "line": 137, "bypassed": True,
                    "reason": reason.format("amount_cents")}),
        ("currency_code", {"code": "MG102", "path": path, "line": 138, "bypassed": True,
                           "reason": reason.format("currency")}),
        ("status", {"code": "MG102", "path": path, "line": 139, "bypassed": True, "reason": reason.format("state")}),
        ("verified_at", {"code": "MG102", "path": path, "line": 140, "bypassed": True,
                         "reason": "replaced by verification_timestamp (UTC), backfilled above"}),
    ]
    assert all(d["revision"] == "202511151430" for d in report["destroyed"])
    assert all(d["covered_by"] for d in report["destroyed"] if d["kind"] in ("constraint", "index"))
    assert steps(report)["destruction"]["uncovered"] == []


def test_reference_project_with_data_fills_every_table_and_loses_no_row(capsys, database_url):
    code, report, _, err = verify(capsys, database_url, str(ALEMBIC_INI), with_data=True)
    assert code == 0, err
    step = steps(report)["destruction"]
    # UUID keys with defaults, identity columns, foreign keys, CHECK constraints with literals and a
    # CHECK across two columns (from_state IS DISTINCT FROM to_state) are all satisfied.
    assert step["filled"] == {"public.attribution_allocations": 3, "public.channel_taxonomy": 3,
                              "public.revenue_ledger": 3, "public.revenue_state_transitions": 3, "public.tenants": 3}
    assert step["unfilled"] == {} and report["rows_deleted"] == []


def test_markdown_sql_is_cut_at_its_budget(monkeypatch):
    from migration_guard.verify import report as report_module

    runs = [{"revision": f"r{i}", "audit_seconds": 0.0,
             "statements": [{"sql": "SELECT " + "x" * 500, "seconds": 0.001, "locks": [], "rows": None,
                             "error": None}]} for i in range(10)]
    monkeypatch.setattr(report_module, "MARKDOWN_SQL_BUDGET", 2_000)
    out = report_module.render_markdown(report_module.Report("db", "alembic.ini", executed=runs))
    assert out.count("<details>") == 3
    assert "The SQL of 7 more revision(s) is in the JSON report" in out


def test_the_projects_lint_settings_decide_what_covers(capsys, database_url, pg_server, tmp_path):
    ini = project(
        tmp_path,
        ("g1", None, sql("CREATE TABLE g (id int, old text)"), sql("DROP TABLE g")),
        ("g2", "g1", 'op.drop_column("g", "old")  # MIGRATION-OK not read since 2024',
         'op.execute("ALTER TABLE g ADD COLUMN old text")'),
    )
    config = tmp_path / ".migration-guard.toml"
    config.write_text('bypass-token = "MIGRATION-OK"\n')
    code, report, _, err = verify(capsys, database_url, ini, config=str(config))
    assert code == 0, err
    assert report["destroyed"][0]["covered_by"] == {
        "code": "MG102", "path": revision_path(ini, "g2"), "line": 11, "bypassed": True,
        "reason": "not read since 2024"}
    # A disabled rule covers nothing: the drop is the gate's miss.
    config.write_text('disable = ["drop-column"]\n')
    second = pg_server.create_database()
    try:
        code, report, _, _ = verify(capsys, pg_server.url(second), ini, config=str(config))
    finally:
        pg_server.drop_database(second)
    assert code == 1 and steps(report)["destruction"]["uncovered"] == ["g2: column public.g.old"]
    config.write_text('disable = ["no-such-rule"]\n')
    code, _, out, err = verify(capsys, database_url, ini, config=str(config))
    assert code == 2 and out == "" and "unknown rule 'no-such-rule'" in err
