"""add mv_realtime_revenue and mv_reconciliation_status (first ledger shape)

Revision ID: 202511131119
Revises: 202511101020
Create Date: 2025-11-13 11:19:00

Materialized views ignore row-level security: whoever may SELECT one sees every tenant. So the
application role gets no privilege on the views themselves; it reads them through security-barrier
views that keep only the rows of the tenant named by the session setting ``app.tenant_id``.
"""
from alembic import op

revision = "202511131119"
down_revision = "202511101020"
branch_labels = None
depends_on = None

TENANT_FILTER = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def upgrade() -> None:
    # Revenue settled in the last 24 hours, per tenant and currency, for the live ticker.
    op.execute(
        """
        CREATE MATERIALIZED VIEW mv_realtime_revenue AS
        SELECT
            tenant_id,
            currency_code::varchar(3) AS currency,
            COALESCE(SUM(ROUND(amount * 100)) FILTER (WHERE status = 'settled'), 0)::bigint AS revenue_cents_24h,
            COUNT(*) AS transaction_count_24h,
            MAX(created_at) AS last_transaction_at
        FROM revenue_ledger
        WHERE created_at >= now() - INTERVAL '24 hours'
        GROUP BY tenant_id, currency_code
        """
    )
    op.execute("CREATE UNIQUE INDEX idx_mv_realtime_revenue_unique ON mv_realtime_revenue (tenant_id, currency)")
    op.execute(
        "COMMENT ON MATERIALIZED VIEW mv_realtime_revenue IS "
        "'Revenue of the last 24 hours per tenant and currency. Refresh CONCURRENTLY every few minutes.'"
    )
    # Verification backlog per tenant and ledger state, for finance reconciliation.
    op.execute(
        """
        CREATE MATERIALIZED VIEW mv_reconciliation_status AS
        SELECT
            tenant_id,
            status::varchar(50) AS state,
            COUNT(*) AS transaction_count,
            SUM(ROUND(amount * 100))::bigint AS total_amount_cents,
            COUNT(*) FILTER (WHERE verified_at IS NULL) AS unverified_count,
            MIN(created_at) FILTER (WHERE verified_at IS NULL) AS oldest_unverified_at
        FROM revenue_ledger
        GROUP BY tenant_id, status
        """
    )
    op.execute(
        "CREATE UNIQUE INDEX idx_mv_reconciliation_status_unique ON mv_reconciliation_status (tenant_id, state)"
    )
    op.execute(
        "COMMENT ON MATERIALIZED VIEW mv_reconciliation_status IS "
        "'Ledger totals and verification backlog per tenant and state. Refresh CONCURRENTLY.'"
    )
    for name in ("realtime_revenue", "reconciliation_status"):
        op.execute(f"REVOKE ALL ON mv_{name} FROM PUBLIC")
        op.execute(
            f"CREATE VIEW tenant_{name} WITH (security_barrier = true) AS "
            f"SELECT * FROM mv_{name} WHERE {TENANT_FILTER}"
        )
        op.execute(f"GRANT SELECT ON tenant_{name} TO attribution_app")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS tenant_reconciliation_status")
    op.execute("DROP VIEW IF EXISTS tenant_realtime_revenue")
    op.execute("DROP MATERIALIZED VIEW IF EXISTS mv_reconciliation_status")
    op.execute("DROP MATERIALIZED VIEW IF EXISTS mv_realtime_revenue")
