"""add_mv_channel_performance

Revision ID: 202511151500
Revises: 202511151450
Create Date: 2025-11-15 15:00:00

The canonical view of the implementation record (columns, names, grouping, 90-day window, unique
index, comment), with one deliberate change: the day bucket and the window start are computed in UTC.
The record's ``DATE_TRUNC('day', created_at)`` on a timestamptz returns a timestamptz cut at midnight
of the *refreshing session's* TimeZone, and ``CURRENT_DATE`` is that session's date, so two refreshes
of the same data from sessions in different time zones produced different rows. Here
``allocation_date`` is a DATE (the type the record's column table promises) of the UTC day, and the
window starts at UTC midnight 90 days before the refresh's UTC date. ``total_revenue_cents`` is cast
to BIGINT, the type the record lists (SUM of a bigint is NUMERIC).
"""
from alembic import op

revision = "202511151500"
down_revision = "202511151450"
branch_labels = None
depends_on = None

TENANT_FILTER = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def upgrade() -> None:
    op.execute(
        """
        CREATE MATERIALIZED VIEW mv_channel_performance AS
        SELECT
            tenant_id,
            channel_code,
            DATE_TRUNC('day', created_at AT TIME ZONE 'UTC')::date AS allocation_date,
            COUNT(DISTINCT event_id) AS total_conversions,
            SUM(allocated_revenue_cents)::bigint AS total_revenue_cents,
            AVG(confidence_score) AS avg_confidence_score,
            COUNT(*) AS total_allocations
        FROM attribution_allocations
        WHERE created_at >= ((now() AT TIME ZONE 'UTC')::date - INTERVAL '90 days') AT TIME ZONE 'UTC'
        GROUP BY tenant_id, channel_code, DATE_TRUNC('day', created_at AT TIME ZONE 'UTC')::date
        """
    )
    op.execute(
        """
        COMMENT ON MATERIALIZED VIEW mv_channel_performance IS
            'Pre-aggregates channel performance by day for fast dashboard queries. Supports B2.6 API. '
            'Refresh CONCURRENTLY. 90-day rolling window. Days and window are UTC.'
        """
    )
    op.execute(
        """
        CREATE UNIQUE INDEX idx_mv_channel_performance_unique
        ON mv_channel_performance (tenant_id, channel_code, allocation_date)
        """
    )
    # Row-level security does not reach materialized views: the application role reads this one only
    # through the tenant-filtering security-barrier view below.
    op.execute("REVOKE ALL ON mv_channel_performance FROM PUBLIC")
    op.execute(
        f"""
        CREATE VIEW tenant_channel_performance WITH (security_barrier = true) AS
        SELECT tenant_id, channel_code, allocation_date, total_conversions, total_revenue_cents,
               avg_confidence_score, total_allocations
        FROM mv_channel_performance
        WHERE {TENANT_FILTER}
        """
    )
    op.execute("GRANT SELECT ON tenant_channel_performance TO attribution_app")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS tenant_channel_performance")
    op.execute("DROP MATERIALIZED VIEW IF EXISTS mv_channel_performance CASCADE")
