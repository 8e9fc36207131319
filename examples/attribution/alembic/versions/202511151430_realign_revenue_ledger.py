"""realign_revenue_ledger: state, currency, amount_cents, verification_timestamp

Revision ID: 202511151430
Revises: 202511151420
Create Date: 2025-11-15 14:30:00

The first ledger shape kept NUMERIC dollars, a three-value status and a naive verification time.
This revision adds the new columns, backfills them from the old ones in the same transaction, then
removes the old columns. The two views of 202511131119 read the old columns, so they are rebuilt on
the new ones (their names and columns do not change).
"""
from alembic import op
import sqlalchemy as sa

revision = "202511151430"
down_revision = "202511151420"
branch_labels = None
depends_on = None

TENANT_FILTER = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"

NEW_REALTIME = """
CREATE MATERIALIZED VIEW mv_realtime_revenue AS
SELECT
    tenant_id,
    currency,
    COALESCE(SUM(amount_cents) FILTER (WHERE state = 'captured'), 0)::bigint AS revenue_cents_24h,
    COUNT(*) AS transaction_count_24h,
    MAX(created_at) AS last_transaction_at
FROM revenue_ledger
WHERE created_at >= now() - INTERVAL '24 hours'
GROUP BY tenant_id, currency
"""

NEW_RECONCILIATION = """
CREATE MATERIALIZED VIEW mv_reconciliation_status AS
SELECT
    tenant_id,
    state,
    COUNT(*) AS transaction_count,
    SUM(amount_cents)::bigint AS total_amount_cents,
    COUNT(*) FILTER (WHERE verification_timestamp IS NULL) AS unverified_count,
    MIN(created_at) FILTER (WHERE verification_timestamp IS NULL) AS oldest_unverified_at
FROM revenue_ledger
GROUP BY tenant_id, state
"""

OLD_REALTIME = """
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

OLD_RECONCILIATION = """
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

COMMENTS = {
    "mv_realtime_revenue": "Revenue of the last 24 hours per tenant and currency. Refresh CONCURRENTLY every few minutes.",
    "mv_reconciliation_status": "Ledger totals and verification backlog per tenant and state. Refresh CONCURRENTLY.",
}


def _drop_ledger_views() -> None:
    op.execute("DROP VIEW IF EXISTS tenant_reconciliation_status")
    op.execute("DROP VIEW IF EXISTS tenant_realtime_revenue")
    op.execute("DROP MATERIALIZED VIEW IF EXISTS mv_reconciliation_status")
    op.execute("DROP MATERIALIZED VIEW IF EXISTS mv_realtime_revenue")


def _create_ledger_views(realtime_sql: str, reconciliation_sql: str) -> None:
    op.execute(realtime_sql)
    op.execute("CREATE UNIQUE INDEX idx_mv_realtime_revenue_unique ON mv_realtime_revenue (tenant_id, currency)")
    op.execute(reconciliation_sql)
    op.execute(
        "CREATE UNIQUE INDEX idx_mv_reconciliation_status_unique ON mv_reconciliation_status (tenant_id, state)"
    )
    for view, comment in COMMENTS.items():
        op.execute(f"COMMENT ON MATERIALIZED VIEW {view} IS '{comment}'")
    for name in ("realtime_revenue", "reconciliation_status"):
        op.execute(f"REVOKE ALL ON mv_{name} FROM PUBLIC")
        op.execute(
            f"CREATE VIEW tenant_{name} WITH (security_barrier = true) AS "
            f"SELECT * FROM mv_{name} WHERE {TENANT_FILTER}"
        )
        op.execute(f"GRANT SELECT ON tenant_{name} TO attribution_app")


def upgrade() -> None:
    _drop_ledger_views()
    op.add_column("revenue_ledger", sa.Column("state", sa.String(50)))
    op.add_column("revenue_ledger", sa.Column("currency", sa.String(3)))
    op.add_column("revenue_ledger", sa.Column("amount_cents", sa.BigInteger()))
    op.add_column("revenue_ledger", sa.Column("verification_timestamp", sa.TIMESTAMP(timezone=True)))
    # The naive verified_at was written in UTC by the ingestion service.
    op.execute(
        """
        UPDATE revenue_ledger SET
            state = CASE status WHEN 'pending' THEN 'authorized'
                                WHEN 'settled' THEN 'captured'
                                ELSE 'refunded' END,
            currency = upper(trim(currency_code)),
            amount_cents = ROUND(amount * 100)::bigint,
            verification_timestamp = CASE WHEN status = 'pending' THEN verified_at AT TIME ZONE 'UTC'
                                          ELSE COALESCE(verified_at AT TIME ZONE 'UTC', created_at) END
        """
    )
    op.alter_column("revenue_ledger", "state", nullable=False)
    op.alter_column("revenue_ledger", "currency", nullable=False)
    op.alter_column("revenue_ledger", "amount_cents", nullable=False)
    op.create_check_constraint(
        "ck_revenue_ledger_state", "revenue_ledger",
        "state IN ('authorized', 'captured', 'refunded', 'chargeback')",
    )
    op.create_check_constraint("ck_revenue_ledger_currency_iso4217", "revenue_ledger", "currency ~ '^[A-Z]{3}$'")
    # Only authorizations may still wait for verification; every settled state has a verification day.
    op.create_check_constraint(
        "ck_revenue_ledger_verified_when_settled", "revenue_ledger",
        "state = 'authorized' OR verification_timestamp IS NOT NULL",
    )
    op.drop_column("revenue_ledger", "amount")  # CI:DESTRUCTIVE_OK replaced by amount_cents, backfilled above in this transaction
    op.drop_column("revenue_ledger", "currency_code")  # CI:DESTRUCTIVE_OK replaced by currency, backfilled above in this transaction
    op.drop_column("revenue_ledger", "status")  # CI:DESTRUCTIVE_OK replaced by state, backfilled above in this transaction
    op.drop_column("revenue_ledger", "verified_at")  # CI:DESTRUCTIVE_OK replaced by verification_timestamp (UTC), backfilled above
    op.execute(
        "CREATE INDEX ix_revenue_ledger_tenant_verification ON revenue_ledger (tenant_id, verification_timestamp)"
    )
    _create_ledger_views(NEW_REALTIME, NEW_RECONCILIATION)


def downgrade() -> None:
    _drop_ledger_views()
    op.drop_index("ix_revenue_ledger_tenant_verification", table_name="revenue_ledger")
    op.add_column("revenue_ledger", sa.Column("amount", sa.Numeric(12, 2)))
    op.add_column("revenue_ledger", sa.Column("currency_code", sa.CHAR(3), server_default="USD"))
    op.add_column("revenue_ledger", sa.Column("status", sa.Text()))
    op.add_column("revenue_ledger", sa.Column("verified_at", sa.TIMESTAMP(timezone=False)))
    # The old shape has no chargeback state: chargebacks fold into 'reversed'.
    op.execute(
        """
        UPDATE revenue_ledger SET
            amount = amount_cents / 100.0,
            currency_code = currency,
            status = CASE state WHEN 'authorized' THEN 'pending'
                                WHEN 'captured' THEN 'settled'
                                ELSE 'reversed' END,
            verified_at = verification_timestamp AT TIME ZONE 'UTC'
        """
    )
    op.alter_column("revenue_ledger", "amount", nullable=False)
    op.alter_column("revenue_ledger", "currency_code", nullable=False)
    op.alter_column("revenue_ledger", "status", nullable=False)
    op.create_check_constraint(
        "revenue_ledger_status_check", "revenue_ledger", "status IN ('pending', 'settled', 'reversed')"
    )
    op.drop_constraint("ck_revenue_ledger_verified_when_settled", "revenue_ledger", type_="check")
    op.drop_constraint("ck_revenue_ledger_currency_iso4217", "revenue_ledger", type_="check")
    op.drop_constraint("ck_revenue_ledger_state", "revenue_ledger", type_="check")
    op.drop_column("revenue_ledger", "verification_timestamp")
    op.drop_column("revenue_ledger", "amount_cents")
    op.drop_column("revenue_ledger", "currency")
    op.drop_column("revenue_ledger", "state")
    op.execute("CREATE INDEX ix_revenue_ledger_tenant_verified ON revenue_ledger (tenant_id, verified_at)")
    _create_ledger_views(OLD_REALTIME, OLD_RECONCILIATION)
