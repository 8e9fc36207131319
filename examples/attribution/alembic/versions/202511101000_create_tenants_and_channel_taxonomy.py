"""create tenants and channel_taxonomy, and the application role

Revision ID: 202511101000
Revises:
Create Date: 2025-11-10 10:00:00
"""
from alembic import op

revision = "202511101000"
down_revision = None
branch_labels = None
depends_on = None

# Roles belong to the cluster, not to the database, so several databases (tests, tenants of a shared
# server) may run this revision: create the role only when it is missing and never drop it on downgrade.
CREATE_APP_ROLE = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'attribution_app') THEN
        CREATE ROLE attribution_app NOLOGIN;
    END IF;
END
$$
"""


def upgrade() -> None:
    op.execute(CREATE_APP_ROLE)
    op.execute(
        """
        CREATE TABLE tenants (
            id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            name       TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE channel_taxonomy (
            code         TEXT PRIMARY KEY,
            display_name TEXT NOT NULL,
            family       TEXT NOT NULL DEFAULT 'other'
        )
        """
    )
    # A tenant sees only its own row; the policy keys on the session setting the application sets per request.
    op.execute("ALTER TABLE tenants ENABLE ROW LEVEL SECURITY")
    op.execute(
        """
        CREATE POLICY tenant_isolation ON tenants
            USING (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        """
    )
    op.execute("GRANT SELECT ON tenants TO attribution_app")
    op.execute("GRANT SELECT ON channel_taxonomy TO attribution_app")


def downgrade() -> None:
    op.drop_table("channel_taxonomy")
    op.drop_table("tenants")
