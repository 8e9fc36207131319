"""The record's test_danger: op.drop_table plus DROP TABLE in raw SQL."""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    op.drop_table('old_analytics_table')
    op.execute("DROP TABLE old_metrics")


def downgrade():
    op.create_table("old_metrics")
    op.create_table("old_analytics_table")
