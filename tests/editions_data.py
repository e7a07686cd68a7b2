"""Editions live in the database: tests put letter files there the way a coordinator does, with
`mailer edition import` (the pipeline function behind it)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from mailer.core.edition.revisions import text_hash
from mailer.pipeline import Context
from mailer.pipeline.editions.revisions import Imported, import_editions
from mailer.store.base import utcnow
from mailer.store.revisions import add_revision

__all__ = ["import_letters", "store_unchecked"]


def import_letters(ctx: Context, *paths: Path, by: str = "Testi Tuoja") -> list[Imported]:
    """Import files, or every YYYY-MM.yaml of a folder, as new revisions (unchanged text: none)."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("[0-9]*-[0-9]*.yaml")) if path.is_dir() else [path]
    return import_editions(ctx, files, by)


def store_unchecked(engine: Engine, month: str, text: str) -> None:
    """A revision the import would refuse today, as if saved before a rule existed (the check
    and the approval must still find its problems)."""
    with engine.begin() as conn:
        add_revision(
            conn,
            month=month,
            text=text,
            text_hash=text_hash(text),
            author="Vanha Versio",
            at=utcnow(),
            changes=None,
        )
