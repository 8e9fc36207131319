"""allocations_channel_fk_to_taxonomy: rename channel to channel_code, FK to channel_taxonomy.code

Revision ID: 202511141311
Revises: 202511131119
Create Date: 2025-11-14 13:11:00
"""
from alembic import op

revision = "202511141311"
down_revision = "202511131119"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("attribution_allocations", "channel", new_column_name="channel_code")
    # Codes already in use must exist in the taxonomy before the key can hold.
    op.execute(
        """
        INSERT INTO channel_taxonomy (code, display_name)
        SELECT DISTINCT channel_code, channel_code FROM attribution_allocations
        ON CONFLICT (code) DO NOTHING
        """
    )
    # The rename above already holds ACCESS EXCLUSIVE until this revision commits, so NOT VALID +
    # VALIDATE buys no concurrency here; it is kept so the two halves can move to separate revisions
    # (and the validation off-peak) if the table grows large.
    op.execute(
        """
        ALTER TABLE attribution_allocations
            ADD CONSTRAINT fk_attribution_allocations_channel_code
            FOREIGN KEY (channel_code) REFERENCES channel_taxonomy (code) NOT VALID
        """
    )
    op.execute("ALTER TABLE attribution_allocations VALIDATE CONSTRAINT fk_attribution_allocations_channel_code")
    op.execute(
        "CREATE INDEX ix_attribution_allocations_channel_code ON attribution_allocations (channel_code)"
    )


def downgrade() -> None:
    op.drop_index("ix_attribution_allocations_channel_code", table_name="attribution_allocations")
    op.drop_constraint("fk_attribution_allocations_channel_code", "attribution_allocations", type_="foreignkey")
    op.alter_column("attribution_allocations", "channel_code", new_column_name="channel")
