"""Tenant isolation of the materialized views, proved as the application role."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from tests.support.attribution import MATVIEWS, connect, dashboard

TENANT_VIEWS = {"tenant_channel_performance": "mv_channel_performance",
                "tenant_daily_revenue_summary": "mv_daily_revenue_summary",
                "tenant_realtime_revenue": "mv_realtime_revenue",
                "tenant_reconciliation_status": "mv_reconciliation_status"}


@pytest.fixture
def app(seeded):
    url, _ = seeded
    with connect(url) as conn:
        conn.execute("SET ROLE attribution_app")
        yield conn


@pytest.fixture(scope="module")
def owner(seeded):
    url, _ = seeded
    with connect(url) as conn:
        for view in MATVIEWS:
            conn.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
        yield conn


def test_tenant_a_sees_exactly_its_own_aggregates(seeded, owner, app):
    _, tenants = seeded
    a, b = tenants[0], tenants[1]
    dashboard.use_tenant(app, a)
    for view, matview in TENANT_VIEWS.items():
        seen = app.execute(f"SELECT * FROM {view} ORDER BY 1, 2, 3").fetchall()
        own = owner.execute(f"SELECT * FROM {matview} WHERE tenant_id = %s ORDER BY 1, 2, 3", (a,)).fetchall()
        assert seen == own and len(own) > 0, view
        assert {row[0] for row in seen} == {a}
        # B's rows exist, and asking for them explicitly through A's session yields nothing.
        assert owner.execute(f"SELECT count(*) FROM {matview} WHERE tenant_id = %s", (b,)).fetchone()[0] > 0
        assert app.execute(f"SELECT count(*) FROM {view} WHERE tenant_id = %s", (b,)).fetchone() == (0,)
    today = dt.datetime.now(dt.timezone.utc).date()
    rows = dashboard.daily_revenue(app, today - dt.timedelta(days=200), today)
    truth_a = dashboard.daily_revenue_from_base(owner, a, today - dt.timedelta(days=200), today)
    truth_b = dashboard.daily_revenue_from_base(owner, b, today - dt.timedelta(days=200), today)
    assert rows == truth_a != truth_b


@pytest.mark.parametrize("matview", MATVIEWS)
def test_the_application_role_cannot_read_a_materialized_view_directly(app, matview):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute(f"SELECT count(*) FROM {matview}")


def test_the_application_role_cannot_refresh_or_redefine_the_views(app):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY mv_channel_performance")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute("CREATE OR REPLACE VIEW tenant_channel_performance AS SELECT * FROM tenant_channel_performance")


@pytest.mark.parametrize("setting", [None, ""])
def test_without_a_tenant_nothing_is_visible(app, setting):
    if setting is not None:
        app.execute("SELECT set_config('app.tenant_id', %s, false)", (setting,))
    for view in TENANT_VIEWS:
        assert app.execute(f"SELECT count(*) FROM {view}").fetchone() == (0,), view
    assert app.execute("SELECT count(*) FROM attribution_allocations").fetchone() == (0,)


def test_base_tables_are_row_level_secured_for_the_application_role(seeded, owner, app):
    _, tenants = seeded
    dashboard.use_tenant(app, tenants[2])
    for table in ("attribution_allocations", "revenue_ledger", "tenants"):
        key = "id" if table == "tenants" else "tenant_id"
        seen = app.execute(f"SELECT DISTINCT {key} FROM {table}").fetchall()
        assert seen == [(tenants[2],)], table
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # WITH CHECK: no writing into another tenant
        app.execute("INSERT INTO revenue_ledger (tenant_id, state, currency, amount_cents) "
                    "VALUES (%s, 'authorized', 'USD', 1)", (tenants[3],))


def test_a_leaky_function_in_the_callers_query_only_sees_the_callers_rows(seeded, owner, app):
    """security_barrier keeps the tenant filter ahead of the caller's own (non-leakproof) conditions.

    Index scans would apply the tenant condition first anyway, so the caller switches them off (any
    session may): in a sequential scan only security_barrier decides the order. Without it, this
    function, being cheaper, runs first and sees all four tenants.
    """
    _, tenants = seeded
    owner.execute("BEGIN")
    try:
        owner.execute(
            """CREATE FUNCTION leak(t uuid) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS
               $$ BEGIN RAISE NOTICE 'saw %', t; RETURN true; END $$""")
        owner.execute("GRANT EXECUTE ON FUNCTION leak(uuid) TO attribution_app")
        owner.execute("COMMIT")
        seen = []
        app.add_notice_handler(lambda diag: seen.append(diag.message_primary))
        app.execute("SET enable_indexscan = off")
        app.execute("SET enable_bitmapscan = off")
        dashboard.use_tenant(app, tenants[0])
        count = app.execute("SELECT count(*) FROM tenant_channel_performance WHERE leak(tenant_id)").fetchone()[0]
        assert count > 0
        assert set(seen) == {f"saw {tenants[0]}"}
    finally:
        owner.execute("ROLLBACK") if owner.info.transaction_status else None
        owner.execute("DROP FUNCTION IF EXISTS leak(uuid)")


def test_a_transaction_local_tenant_does_not_outlive_its_transaction(seeded, app):
    _, tenants = seeded
    with app.transaction():
        dashboard.use_tenant(app, tenants[0], local=True)
        inside = app.execute("SELECT DISTINCT tenant_id FROM tenant_daily_revenue_summary").fetchall()
    assert inside == [(tenants[0],)]
    assert app.execute("SELECT count(*) FROM tenant_daily_revenue_summary").fetchone() == (0,)
