"""The dashboard queries are answered by the views' unique indexes and never touch a base table."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.support.attribution import connect, dashboard

BASE_TABLES = {"attribution_allocations", "revenue_ledger", "tenants", "channel_taxonomy",
               "revenue_state_transitions"}


def plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def explain(conn, query: str, params: dict) -> list[dict]:
    raw = conn.execute("EXPLAIN (FORMAT JSON) " + query, params).fetchone()[0]
    doc = raw if isinstance(raw, list) else json.loads(raw)
    return list(plan_nodes(doc[0]["Plan"]))


@pytest.fixture(scope="module")
def app(seeded):
    url, tenants = seeded
    with connect(url) as conn:
        conn.execute("SET ROLE attribution_app")
        dashboard.use_tenant(conn, tenants[1])
        yield conn


CASES = [
    ("channel performance", dashboard.CHANNEL_PERFORMANCE, "mv_channel_performance",
     "idx_mv_channel_performance_unique", {"channel": None}),
    ("channel performance, one channel", dashboard.CHANNEL_PERFORMANCE_ONE_CHANNEL, "mv_channel_performance",
     "idx_mv_channel_performance_unique", {"channel": "ch03"}),
    ("channel summary", dashboard.CHANNEL_SUMMARY, "mv_channel_performance",
     "idx_mv_channel_performance_unique", {}),
    ("daily revenue", dashboard.DAILY_REVENUE, "mv_daily_revenue_summary",
     "idx_mv_daily_revenue_summary_unique", {}),
]


@pytest.mark.parametrize("name, query, view, index, extra", CASES, ids=[c[0] for c in CASES])
def test_dashboard_query_uses_the_unique_index_only(app, name, query, view, index, extra):
    today = dt.datetime.now(dt.timezone.utc).date()
    params = {"start": today - dt.timedelta(days=29), "end": today, **extra}
    nodes = explain(app, query, params)
    relations = {n["Relation Name"] for n in nodes if "Relation Name" in n}
    assert relations == {view}
    assert not relations & BASE_TABLES
    scans = [n for n in nodes if "Relation Name" in n]
    assert all(n["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan") for n in scans), scans
    used = {n.get("Index Name") for n in nodes if n.get("Index Name")}
    assert used == {index}
    # The tenant condition is an index condition, not a filter applied after reading every tenant.
    conds = " ".join(n.get("Index Cond", "") for n in nodes)
    assert "tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid" in conds
