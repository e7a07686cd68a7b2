"""Alembic environment: the engine comes from `mailer.store.base.migrate` (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from mailer.store import tables  # noqa: F401  (registers every table on the metadata)
from mailer.store.base import metadata

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        # APScheduler creates and owns its own job table in the same database.
        include_name=lambda name, type_, parent: (
            not (type_ == "table" and name == "apscheduler_jobs")
        ),
    )
    context.run_migrations()
