"""create revenue_ledger in its first shape (amount, currency_code, status, verified_at)

Revision ID: 202511101020
Revises: 202511101010
Create Date: 2025-11-10 10:20:00
"""
from alembic import op

revision = "202511101020"
down_revision = "202511101010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The first shape kept money as NUMERIC dollars and a naive verification time; 202511151430 replaces both.
    op.execute(
        """
        CREATE TABLE revenue_ledger (
            id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tenant_id     UUID NOT NULL REFERENCES tenants (id),
            event_id      UUID,
            amount        NUMERIC(12, 2) NOT NULL,
            currency_code CHAR(3) NOT NULL DEFAULT 'USD',
            status        TEXT NOT NULL CHECK (status IN ('pending', 'settled', 'reversed')),
            verified_at   TIMESTAMP,
            created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX ix_revenue_ledger_tenant_verified ON revenue_ledger (tenant_id, verified_at)")
    op.execute("ALTER TABLE revenue_ledger ENABLE ROW LEVEL SECURITY")
    op.execute(
        """
        CREATE POLICY tenant_isolation ON revenue_ledger
            USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        """
    )
    op.execute("GRANT SELECT, INSERT ON revenue_ledger TO attribution_app")


def downgrade() -> None:
    op.drop_table("revenue_ledger")
