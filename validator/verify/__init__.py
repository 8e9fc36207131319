"""``migration-guard verify``: prove that an Alembic project builds on a real, empty PostgreSQL.

Unlike ``lint``, this executes the project's migrations, so it must only ever point at a throwaway
database; it refuses a database that already holds tables. alembic, SQLAlchemy and psycopg are
imported lazily, inside the functions that need them, so importing this package costs nothing and the
lint path never loads them.
"""
