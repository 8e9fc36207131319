"""The reference project's revision chain on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from tests.support.attribution import ALEMBIC_INI, HEAD, MATVIEWS, alembic, connect

CHAIN = ["202511101000", "202511101010", "202511101020", "202511131119", "202511141311",
         "202511151420", "202511151430", "202511151450", "202511151500", "202511151510"]


def test_revision_order_matches_the_spec():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(Config(str(ALEMBIC_INI)))
    order = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert order == CHAIN
    assert script.get_revision("202511151500").down_revision == "202511151450"
    assert script.get_revision("202511151510").down_revision == "202511151500"


def test_chain_applies_on_an_empty_database(migrated_url):
    with connect(migrated_url) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
        views = conn.execute("SELECT matviewname FROM pg_matviews ORDER BY 1").fetchall()
        assert [v for (v,) in views] == sorted(MATVIEWS)
        tables = conn.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
            "AND relrowsecurity ORDER BY 1").fetchall()
        assert [t for (t,) in tables] == ["attribution_allocations", "revenue_ledger",
                                          "revenue_state_transitions", "tenants"]


UNIQUE = {
    "mv_channel_performance": ("idx_mv_channel_performance_unique", ["tenant_id", "channel_code", "allocation_date"]),
    "mv_daily_revenue_summary": ("idx_mv_daily_revenue_summary_unique",
                                 ["tenant_id", "revenue_date", "state", "currency"]),
    "mv_realtime_revenue": ("idx_mv_realtime_revenue_unique", ["tenant_id", "currency"]),
    "mv_reconciliation_status": ("idx_mv_reconciliation_status_unique", ["tenant_id", "state"]),
}


def test_each_view_has_its_plain_unique_index(migrated_url):
    with connect(migrated_url) as conn:
        for view, (index, columns) in UNIQUE.items():
            rows = conn.execute(
                """
                SELECT ic.relname, i.indpred IS NULL AND i.indexprs IS NULL,
                       array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n)
                             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n)
                FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                WHERE i.indrelid = %s::regclass AND i.indisunique
                """, (view,)).fetchall()
            assert rows == [(index, True, columns)], view


COLUMNS = {
    "mv_channel_performance": [
        ("tenant_id", "uuid"), ("channel_code", "text"), ("allocation_date", "date"),
        ("total_conversions", "bigint"), ("total_revenue_cents", "bigint"),
        ("avg_confidence_score", "numeric"), ("total_allocations", "bigint")],
    "mv_daily_revenue_summary": [
        ("tenant_id", "uuid"), ("revenue_date", "date"), ("state", "character varying(50)"),
        ("currency", "character varying(3)"), ("total_amount_cents", "bigint"), ("transaction_count", "bigint")],
}


def test_canonical_views_have_the_records_columns_and_types(migrated_url):
    with connect(migrated_url) as conn:
        for view, expected in COLUMNS.items():
            rows = conn.execute(
                "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 ORDER BY attnum", (view,)).fetchall()
            assert rows == expected, view


def test_canonical_definitions_comments_and_filters(migrated_url):
    with connect(migrated_url) as conn:
        def comment(view):
            return conn.execute("SELECT obj_description(%s::regclass, 'pg_class')", (view,)).fetchone()[0]

        def definition(view):
            return " ".join(conn.execute("SELECT pg_get_viewdef(%s::regclass)", (view,)).fetchone()[0].split())

        assert comment("mv_channel_performance").startswith(
            "Pre-aggregates channel performance by day for fast dashboard queries. Supports B2.6 API. "
            "Refresh CONCURRENTLY. 90-day rolling window.")
        assert comment("mv_daily_revenue_summary").startswith(
            "Pre-aggregates daily revenue, refunds, and chargebacks by currency. Supports B2.6 API. "
            "Refresh CONCURRENTLY.")
        # The whole definition as PostgreSQL stores it: canonical columns, grouping and filters, with the
        # day bucket and the window start pinned to UTC.
        assert definition("mv_channel_performance") == (
            "SELECT attribution_allocations.tenant_id, attribution_allocations.channel_code, "
            "(date_trunc('day'::text, (attribution_allocations.created_at AT TIME ZONE 'UTC'::text)))::date "
            "AS allocation_date, count(DISTINCT attribution_allocations.event_id) AS total_conversions, "
            "(sum(attribution_allocations.allocated_revenue_cents))::bigint AS total_revenue_cents, "
            "avg(attribution_allocations.confidence_score) AS avg_confidence_score, count(*) AS total_allocations "
            "FROM attribution_allocations WHERE (attribution_allocations.created_at >= "
            "((((now() AT TIME ZONE 'UTC'::text))::date - '90 days'::interval) AT TIME ZONE 'UTC'::text)) "
            "GROUP BY attribution_allocations.tenant_id, attribution_allocations.channel_code, "
            "((date_trunc('day'::text, (attribution_allocations.created_at AT TIME ZONE 'UTC'::text)))::date);")
        assert definition("mv_daily_revenue_summary") == (
            "SELECT revenue_ledger.tenant_id, (date_trunc('day'::text, (revenue_ledger.verification_timestamp "
            "AT TIME ZONE 'UTC'::text)))::date AS revenue_date, revenue_ledger.state, revenue_ledger.currency, "
            "(sum(revenue_ledger.amount_cents))::bigint AS total_amount_cents, count(*) AS transaction_count "
            "FROM revenue_ledger WHERE ((revenue_ledger.state)::text = ANY ((ARRAY['captured'::character varying, "
            "'refunded'::character varying, 'chargeback'::character varying])::text[])) "
            "GROUP BY revenue_ledger.tenant_id, ((date_trunc('day'::text, (revenue_ledger.verification_timestamp "
            "AT TIME ZONE 'UTC'::text)))::date), revenue_ledger.state, revenue_ledger.currency;")


def test_channel_code_is_a_foreign_key_to_the_taxonomy(migrated_url):
    with connect(migrated_url) as conn:
        conn.execute("INSERT INTO tenants (id, name) VALUES ('00000000-0000-4000-8000-000000000001', 't')")
        conn.execute("INSERT INTO channel_taxonomy (code, display_name) VALUES ('email', 'Email')")
        insert = ("INSERT INTO attribution_allocations (tenant_id, event_id, channel_code, allocated_revenue_cents) "
                  "VALUES ('00000000-0000-4000-8000-000000000001', gen_random_uuid(), %s, 100)")
        conn.execute(insert, ("email",))
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute(insert, ("carrier-pigeon",))


def test_realign_revenue_ledger_backfills_and_reverts(database_url):
    alembic(database_url, "upgrade", "202511151420")
    tenant = "00000000-0000-4000-8000-000000000002"
    with connect(database_url) as conn:
        conn.execute("INSERT INTO tenants (id, name) VALUES (%s, 't')", (tenant,))
        conn.execute(
            """
            INSERT INTO revenue_ledger (tenant_id, amount, currency_code, status, verified_at, created_at) VALUES
              (%(t)s, 12.34, 'usd', 'pending',  NULL,                  '2025-11-01 10:00+00'),
              (%(t)s, 99.99, 'EUR', 'settled',  '2025-11-01 23:59:59', '2025-11-01 23:00+00'),
              (%(t)s,  5.00, 'GBP', 'reversed', NULL,                  '2025-11-02 08:00+00')
            """, {"t": tenant})
    alembic(database_url, "upgrade", "head")
    with connect(database_url) as conn:
        rows = conn.execute("SELECT state, currency, amount_cents, verification_timestamp FROM revenue_ledger "
                            "ORDER BY id").fetchall()
        utc = dt.timezone.utc
        assert rows == [
            ("authorized", "USD", 1234, None),
            ("captured", "EUR", 9999, dt.datetime(2025, 11, 1, 23, 59, 59, tzinfo=utc)),
            ("refunded", "GBP", 500, dt.datetime(2025, 11, 2, 8, 0, tzinfo=utc)),
        ]
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO revenue_ledger (tenant_id, state, currency, amount_cents) "
                         "VALUES (%s, 'voided', 'USD', 1)", (tenant,))
        old = conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'revenue_ledger' "
                           "AND column_name IN ('amount', 'currency_code', 'status', 'verified_at')").fetchone()
        assert old == (0,)
    alembic(database_url, "downgrade", "202511151420")
    with connect(database_url) as conn:
        rows = conn.execute("SELECT amount, currency_code, status FROM revenue_ledger ORDER BY id").fetchall()
        assert [(str(a), c, s) for a, c, s in rows] == [
            ("12.34", "USD", "pending"), ("99.99", "EUR", "settled"), ("5.00", "GBP", "reversed")]


def test_downgrade_to_base_leaves_only_the_version_table_and_upgrades_again(migrated_url):
    alembic(migrated_url, "downgrade", "base")
    with connect(migrated_url) as conn:
        left = conn.execute("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                            "ORDER BY 1").fetchall()
        assert left == [("alembic_version",), ("alembic_version_pkc",)]
        assert conn.execute("SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace").fetchone() == (0,)
    alembic(migrated_url, "upgrade", "head")
    with connect(migrated_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_matviews").fetchone() == (4,)
