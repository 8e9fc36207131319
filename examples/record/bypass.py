"""The record's test_bypass: the same drops, each acknowledged with a reason."""
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade():
    op.drop_table('old_analytics_table')  # CI:DESTRUCTIVE_OK - deprecated, data in new_analytics_table (ADR-005)
    op.execute("DROP TABLE old_metrics")  # CI:DESTRUCTIVE_OK - archived to cold storage (ADR-006)


def downgrade():
    op.create_table("old_metrics")
    op.create_table("old_analytics_table")
