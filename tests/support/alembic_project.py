"""Small Alembic projects written to disk per test: revisions as source text, never imported by lint."""

from __future__ import annotations

import textwrap
from pathlib import Path

# A deliberately ordinary env.py: it reads sqlalchemy.url (not DATABASE_URL) and chats on stdout.
ENV_PY = '''
from alembic import context
from sqlalchemy import create_engine, pool

print("env.py says hello on stdout")
engine = create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
'''

REVISION = '''
from alembic import op

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''


def project(tmp_path: Path, *revisions: tuple[str, str | None, str, str]) -> str:
    """Write an Alembic project; each revision is (id, down_revision, upgrade body, downgrade body)."""
    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    (tmp_path / "migrations" / "env.py").write_text(ENV_PY)
    for rev, down, up, down_body in revisions:
        text = REVISION.format(rev=rev, down=down, upgrade=textwrap.indent(up.strip(), "    "),
                               downgrade=textwrap.indent(down_body.strip(), "    "))
        (tmp_path / "migrations" / "versions" / f"{rev}.py").write_text(text)
    return str(tmp_path / "alembic.ini")


def sql(*statements: str) -> str:
    return "\n".join(f"op.execute({s!r})" for s in statements) or "pass"
