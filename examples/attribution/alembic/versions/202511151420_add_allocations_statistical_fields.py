"""add_allocations_statistical_fields: confidence_score and its credible interval

Revision ID: 202511151420
Revises: 202511141311
Create Date: 2025-11-15 14:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = "202511151420"
down_revision = "202511141311"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL with a constant default is a catalog-only change on PostgreSQL 11+ (no table rewrite).
    # NOT NULL also keeps AVG(confidence_score) and COUNT(*) over the same rows, which the dashboard's
    # allocation-weighted confidence relies on (docs/dashboard.md).
    op.add_column(
        "attribution_allocations",
        sa.Column("confidence_score", sa.Numeric(5, 4), nullable=False, server_default=sa.text("1.0")),
    )
    op.add_column("attribution_allocations", sa.Column("credible_interval_low", sa.Numeric(5, 4)))
    op.add_column("attribution_allocations", sa.Column("credible_interval_high", sa.Numeric(5, 4)))
    op.add_column("attribution_allocations", sa.Column("model_version", sa.Text()))
    op.create_check_constraint(
        "ck_attribution_allocations_confidence_range",
        "attribution_allocations",
        "confidence_score BETWEEN 0 AND 1 "
        "AND (credible_interval_low IS NULL OR credible_interval_low <= confidence_score) "
        "AND (credible_interval_high IS NULL OR credible_interval_high >= confidence_score)",
    )


def downgrade() -> None:
    op.drop_constraint("ck_attribution_allocations_confidence_range", "attribution_allocations", type_="check")
    op.drop_column("attribution_allocations", "model_version")
    op.drop_column("attribution_allocations", "credible_interval_high")
    op.drop_column("attribution_allocations", "credible_interval_low")
    op.drop_column("attribution_allocations", "confidence_score")
