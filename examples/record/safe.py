"""The record's test_safe: additive operations only (a plain CREATE INDEX is a lock warning)."""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = None


def upgrade():
    op.add_column("users", sa.Column("nickname", sa.String(50), nullable=True))
    op.execute("CREATE INDEX IF NOT EXISTS ix_users_nickname ON users (nickname)")
    op.alter_column("users", "bio", nullable=True)
    op.execute("ALTER TABLE users ADD CONSTRAINT ck_nick CHECK (length(nickname) > 0) NOT VALID")


def downgrade():
    op.drop_column("users", "nickname")
