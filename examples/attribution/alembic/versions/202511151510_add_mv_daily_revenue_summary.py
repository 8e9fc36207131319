"""add_mv_daily_revenue_summary

Revision ID: 202511151510
Revises: 202511151500
Create Date: 2025-11-15 15:10:00

The canonical view of the implementation record with the day bucket pinned to UTC (see
202511151500): ``revenue_date`` is the DATE of the UTC day of ``verification_timestamp``, whatever
the refreshing session's TimeZone. ``total_amount_cents`` is cast to the BIGINT the record lists.
"""
from alembic import op

revision = "202511151510"
down_revision = "202511151500"
branch_labels = None
depends_on = None

TENANT_FILTER = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def upgrade() -> None:
    op.execute(
        """
        CREATE MATERIALIZED VIEW mv_daily_revenue_summary AS
        SELECT
            tenant_id,
            DATE_TRUNC('day', verification_timestamp AT TIME ZONE 'UTC')::date AS revenue_date,
            state,
            currency,
            SUM(amount_cents)::bigint AS total_amount_cents,
            COUNT(*) AS transaction_count
        FROM revenue_ledger
        WHERE state IN ('captured', 'refunded', 'chargeback')
        GROUP BY tenant_id, DATE_TRUNC('day', verification_timestamp AT TIME ZONE 'UTC')::date, state, currency
        """
    )
    op.execute(
        """
        CREATE UNIQUE INDEX idx_mv_daily_revenue_summary_unique
        ON mv_daily_revenue_summary (tenant_id, revenue_date, state, currency)
        """
    )
    op.execute(
        """
        COMMENT ON MATERIALIZED VIEW mv_daily_revenue_summary IS
            'Pre-aggregates daily revenue, refunds, and chargebacks by currency. Supports B2.6 API. '
            'Refresh CONCURRENTLY. Days are UTC.'
        """
    )
    op.execute("REVOKE ALL ON mv_daily_revenue_summary FROM PUBLIC")
    op.execute(
        f"""
        CREATE VIEW tenant_daily_revenue_summary WITH (security_barrier = true) AS
        SELECT tenant_id, revenue_date, state, currency, total_amount_cents, transaction_count
        FROM mv_daily_revenue_summary
        WHERE {TENANT_FILTER}
        """
    )
    op.execute("GRANT SELECT ON tenant_daily_revenue_summary TO attribution_app")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS tenant_daily_revenue_summary")
    op.execute("DROP MATERIALIZED VIEW IF EXISTS mv_daily_revenue_summary CASCADE")
