"""Storage adapter: SQLAlchemy 2.0 tables and queries, engines from a URL, Alembic migrations."""

from mailer.store.base import create_db_engine, metadata, migrate

__all__ = ["create_db_engine", "metadata", "migrate"]
