"""Fixtures for the PostgreSQL tests: a server for the session, a fresh database per test.

Without DATABASE_URL a throwaway PostgreSQL is started (tests/support/postgres.py). When none can be
had the tests fail; they skip only outside CI and only when no PostgreSQL is installed at all.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.attribution import MATVIEWS, alembic, connect, seed  # noqa: E402
from tests.support.postgres import PostgresUnavailable, postgres_server  # noqa: E402


@pytest.fixture(scope="session")
def pg_server():
    try:
        with postgres_server() as server:
            yield server
    except PostgresUnavailable as exc:
        if os.environ.get("CI") or exc.binaries_found:
            pytest.fail(f"PostgreSQL is required for tests/pg and none could be started: {exc}", pytrace=False)
        pytest.skip(f"no PostgreSQL installed and DATABASE_URL unset: {exc}")


@pytest.fixture
def database_url(pg_server):
    """The URL of a fresh, empty database, dropped after the test."""
    name = pg_server.create_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def migrated_url(database_url):
    alembic(database_url, "upgrade", "head")
    return database_url


@pytest.fixture(scope="module")
def seeded(pg_server):
    """A database at head with generated data and refreshed views, shared by a test module.

    Yields (url, tenant_ids). Tests may read it and must leave it as they found it.
    """
    name = pg_server.create_database()
    url = pg_server.url(name)
    alembic(url, "upgrade", "head")
    with connect(url) as conn:
        tenants = seed.seed(conn, 40_000, tenants=4, channels=30, days=120)
        for view in MATVIEWS:
            conn.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
            conn.execute(f"ANALYZE {view}")
        conn.execute("ANALYZE")
    yield url, tenants
    pg_server.drop_database(name)
