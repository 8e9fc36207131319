"""Alembic environment for the attribution reference project.

The URL comes from DATABASE_URL. GitHub service containers and most tooling hand out plain
``postgresql://`` URLs, which SQLAlchemy would map to psycopg2; this project uses psycopg 3, so the
scheme is rewritten to ``postgresql+psycopg://``. ``sqlalchemy.url`` (set by ``migration-guard verify``
or ``-x``-style tooling) is the fallback when DATABASE_URL is unset.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


CONNECT_OPTIONS = "-c lock_timeout=5s -c statement_timeout=15min"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("DATABASE_URL is not set: export DATABASE_URL=postgresql://user:pass@host:5432/db")
    scheme, sep, rest = url.partition("://")
    if scheme in ("postgres", "postgresql"):
        scheme = "postgresql+psycopg"
    return scheme + sep + rest


def run_migrations_offline() -> None:
    context.configure(url=database_url(), literal_binds=True, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # Every connection starts with a lock_timeout (MG211): an ALTER TABLE that waits behind a long transaction
    # gives up after 5 s instead of queueing every query on the table behind it; retry the deploy then.
    engine = create_engine(database_url(), poolclass=pool.NullPool, connect_args={"options": CONNECT_OPTIONS})
    with engine.connect() as connection:
        # One transaction per revision: a failing revision rolls back alone and the ones before it stay applied.
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
