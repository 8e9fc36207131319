"""create attribution_allocations (tenant-isolated by row-level security)

Revision ID: 202511101010
Revises: 202511101000
Create Date: 2025-11-10 10:10:00
"""
from alembic import op

revision = "202511101010"
down_revision = "202511101000"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE attribution_allocations (
            id                      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tenant_id               UUID NOT NULL REFERENCES tenants (id),
            event_id                UUID NOT NULL,
            channel                 TEXT NOT NULL,
            allocated_revenue_cents BIGINT NOT NULL CHECK (allocated_revenue_cents >= 0),
            created_at              TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_attribution_allocations_tenant_created ON attribution_allocations (tenant_id, created_at)"
    )
    op.execute("ALTER TABLE attribution_allocations ENABLE ROW LEVEL SECURITY")
    op.execute(
        """
        CREATE POLICY tenant_isolation ON attribution_allocations
            USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        """
    )
    op.execute("GRANT SELECT, INSERT ON attribution_allocations TO attribution_app")


def downgrade() -> None:
    op.drop_table("attribution_allocations")
