"""Schema migrations as the CLI asks for them (`mailer db upgrade|current`)."""

from __future__ import annotations

from mailer.pipeline.context import Context
from mailer.store.base import current_revision, migrate

__all__ = ["revision", "upgrade"]


def upgrade(ctx: Context, target: str = "head") -> str | None:
    """Migrate to `target` (idempotent) and return the revision the database is then at."""
    migrate(ctx.engine, target)
    return current_revision(ctx.engine)


def revision(ctx: Context) -> str | None:
    """The database's schema revision; None for an empty database."""
    return current_revision(ctx.engine)
