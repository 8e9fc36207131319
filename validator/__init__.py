"""migration-guard: static lint for Alembic revisions on PostgreSQL."""

__version__ = "0.1.0"
