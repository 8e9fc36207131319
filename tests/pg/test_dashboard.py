"""Every dashboard field served from the views equals the same field computed from the base tables."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.support.attribution import MATVIEWS, connect, dashboard

ZONES = ("UTC", "Pacific/Kiritimati", "America/Los_Angeles", "Pacific/Pago_Pago", "Asia/Kolkata")


def utc_today(conn) -> dt.date:
    return conn.execute("SELECT (now() AT TIME ZONE 'UTC')::date").fetchone()[0]


def refresh_all(conn) -> dt.date:
    """Refresh every view and return the channel view's window start; retried if UTC midnight passes."""
    while True:
        before = utc_today(conn)
        for view in MATVIEWS:
            conn.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
        if utc_today(conn) == before:
            return before - dt.timedelta(days=90)


def contents(conn, view: str) -> list[tuple]:
    return conn.execute(f"SELECT * FROM {view} ORDER BY 1, 2, 3, 4").fetchall()


@pytest.fixture(scope="module")
def owner(seeded):
    url, _ = seeded
    with connect(url) as conn:
        yield conn


@pytest.fixture(scope="module")
def app(seeded):
    url, _ = seeded
    with connect(url) as conn:
        conn.execute("SET ROLE attribution_app")
        yield conn


def test_refresh_from_any_session_time_zone_gives_identical_views(seeded):
    url, _ = seeded
    snapshots = {}
    for zone in ZONES:
        with connect(url, options=f"-c TimeZone={zone}") as conn:
            assert conn.execute("SHOW TimeZone").fetchone()[0] == zone
            refresh_all(conn)
            snapshots[zone] = {view: contents(conn, view) for view in
                               ("mv_channel_performance", "mv_daily_revenue_summary")}
    reference = snapshots["UTC"]
    assert len(reference["mv_channel_performance"]) > 5000
    assert len(reference["mv_daily_revenue_summary"]) > 3000
    for zone in ZONES:
        assert snapshots[zone] == reference, zone


def test_the_records_literal_bucket_depends_on_the_session_time_zone(seeded):
    """The trap the pinned views avoid: the same data, bucketed by the record's DDL, in two zones."""
    url, _ = seeded
    literal = ("SELECT DATE_TRUNC('day', created_at)::date AS d, count(*) FROM attribution_allocations "
               "GROUP BY 1 ORDER BY 1")
    results = []
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        with connect(url, options=f"-c TimeZone={zone}") as conn:
            results.append(conn.execute(literal).fetchall())
    assert results[0] != results[1]


def ranges(today: dt.date, window_start: dt.date):
    return [
        (today - dt.timedelta(days=119), today, None),                       # crosses the 90-day window
        (today - dt.timedelta(days=29), today, None),                        # the dashboard's default month
        (window_start, window_start, None),                                  # the window's first day alone
        (today - dt.timedelta(days=60), today - dt.timedelta(days=45), "ch07"),
        (today, today - dt.timedelta(days=1), None),                         # empty range
    ]


def test_channel_performance_rows_equal_the_base_tables(seeded, owner, app):
    _, tenants = seeded
    window_start = refresh_all(owner)
    today = utc_today(owner)
    compared = 0
    for tenant in tenants:
        dashboard.use_tenant(app, tenant)
        for start, end, channel in ranges(today, window_start):
            served = dashboard.channel_performance(app, start, end, channel)
            truth = dashboard.channel_performance_from_base(owner, tenant, start, end, window_start, channel)
            assert served == truth, (tenant, start, end, channel)
            compared += len(served)
        full = dashboard.channel_performance(app, today - dt.timedelta(days=119), today)
        assert {row["date"] for row in full} >= {window_start, today - dt.timedelta(days=1)}
        assert min(row["date"] for row in full) == window_start  # nothing older than the window
        assert set(full[0]) == {"channel", "date", "total_revenue", "conversions", "confidence", "allocations_count"}
    assert compared > 4 * 2000
    # The data exercises distinct counting inside a day: some rows have fewer conversions than allocations.
    assert any(r["conversions"] < r["allocations_count"] for r in full)


def test_channel_summary_equals_the_base_tables_where_the_records_query_does_not(seeded, owner, app):
    _, tenants = seeded
    window_start = refresh_all(owner)
    today = utc_today(owner)
    records_query = """
        SELECT channel_code, AVG(avg_confidence_score) AS confidence, SUM(total_conversions) AS conversions
        FROM mv_channel_performance WHERE tenant_id = %s AND allocation_date BETWEEN %s AND %s
        GROUP BY channel_code ORDER BY channel_code"""
    distinct_truth = """
        SELECT channel_code, COUNT(DISTINCT event_id) FROM attribution_allocations
        WHERE tenant_id = %s AND created_at >= (%s::date)::timestamp AT TIME ZONE 'UTC'
          AND created_at < (%s::date + 1)::timestamp AT TIME ZONE 'UTC'
        GROUP BY 1 ORDER BY 1"""
    wrong_confidence = wrong_conversions = 0
    for tenant in tenants:
        dashboard.use_tenant(app, tenant)
        for start, end, _ in ranges(today, window_start)[:2]:
            served = dashboard.channel_summary(app, start, end)
            truth = dashboard.channel_summary_from_base(owner, tenant, start, end, window_start)
            assert served == truth
            assert len(served) == 30
            assert "conversions" not in served[0]  # distinct counts do not add up across days
            naive = owner.execute(records_query, (tenant, max(start, window_start), end)).fetchall()
            wrong_confidence += sum(n[1] != t["confidence"] for n, t in zip(naive, truth))
            exact = dict(owner.execute(distinct_truth, (tenant, max(start, window_start), end)).fetchall())
            wrong_conversions += sum(n[2] != exact[n[0]] for n in naive)
    # Proof that the traps are live on this data, so the equalities above mean something.
    assert wrong_confidence > 0
    assert wrong_conversions > 0


def test_daily_revenue_equals_the_base_tables(seeded, owner, app):
    _, tenants = seeded
    refresh_all(owner)
    today = utc_today(owner)
    seen_currencies = set()
    for tenant in tenants:
        dashboard.use_tenant(app, tenant)
        for start, end in [(today - dt.timedelta(days=130), today + dt.timedelta(days=1)),
                           (today - dt.timedelta(days=29), today),
                           (today - dt.timedelta(days=100), today - dt.timedelta(days=100))]:
            served = dashboard.daily_revenue(app, start, end)
            truth = dashboard.daily_revenue_from_base(owner, tenant, start, end)
            assert served == truth, (tenant, start, end)
            seen_currencies |= {row["currency"] for row in served}
        full = dashboard.daily_revenue(app, today - dt.timedelta(days=130), today + dt.timedelta(days=1))
        assert len(full) > 400
        assert any(r["captured"] > 0 for r in full)
        assert any(r["refunded"] > 0 for r in full) and any(r["chargebacks"] > 0 for r in full)
        assert set(full[0]) == {"date", "captured", "refunded", "chargebacks", "transaction_count", "currency"}
    assert seen_currencies == {"USD", "EUR", "GBP", "JPY"}


def test_authorized_revenue_is_not_in_the_daily_summary(owner):
    states = owner.execute("SELECT DISTINCT state FROM mv_daily_revenue_summary ORDER BY 1").fetchall()
    assert states == [("captured",), ("chargeback",), ("refunded",)]
    assert owner.execute("SELECT count(*) FROM revenue_ledger WHERE state = 'authorized'").fetchone()[0] > 0


def test_refresh_concurrently_picks_up_new_rows(seeded, owner):
    _, tenants = seeded
    row = ("SELECT total_allocations, total_revenue_cents FROM mv_channel_performance "
           "WHERE tenant_id = %s AND channel_code = 'ch01' AND allocation_date = (now() AT TIME ZONE 'UTC')::date")
    refresh_all(owner)
    before = owner.execute(row, (tenants[0],)).fetchone() or (0, 0)
    owner.execute("BEGIN")
    try:
        owner.execute(
            "INSERT INTO attribution_allocations (tenant_id, event_id, channel_code, allocated_revenue_cents, "
            "confidence_score, created_at) VALUES (%s, gen_random_uuid(), 'ch01', 777, 0.5, "
            "date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 second')", (tenants[0],))
        owner.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY mv_channel_performance")
        after = owner.execute(row, (tenants[0],)).fetchone()
        assert after == (before[0] + 1, before[1] + 777)
    finally:
        owner.execute("ROLLBACK")
    refresh_all(owner)
