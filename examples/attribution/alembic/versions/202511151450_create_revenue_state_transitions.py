"""create_revenue_state_transitions: audit trail of ledger state changes

Revision ID: 202511151450
Revises: 202511151430
Create Date: 2025-11-15 14:50:00
"""
from alembic import op

revision = "202511151450"
down_revision = "202511151430"
branch_labels = None
depends_on = None

STATES = "('authorized', 'captured', 'refunded', 'chargeback')"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE revenue_state_transitions (
            id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tenant_id       UUID NOT NULL REFERENCES tenants (id),
            ledger_id       BIGINT NOT NULL REFERENCES revenue_ledger (id) ON DELETE CASCADE,
            from_state      VARCHAR(50) CHECK (from_state IN {STATES}),
            to_state        VARCHAR(50) NOT NULL CHECK (to_state IN {STATES}),
            reason          TEXT,
            transitioned_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            CHECK (from_state IS DISTINCT FROM to_state)
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_revenue_state_transitions_ledger ON revenue_state_transitions (ledger_id, transitioned_at)"
    )
    op.execute("ALTER TABLE revenue_state_transitions ENABLE ROW LEVEL SECURITY")
    op.execute(
        """
        CREATE POLICY tenant_isolation ON revenue_state_transitions
            USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        """
    )
    op.execute("GRANT SELECT, INSERT ON revenue_state_transitions TO attribution_app")


def downgrade() -> None:
    op.drop_table("revenue_state_transitions")
