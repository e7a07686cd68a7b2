"""Editions live in the database: tests put letter files there the way a coordinator does, with
`mailer edition import` (the pipeline function behind it)."""

from __future__ import annotations

from pathlib import Path

from mailer.pipeline import Context
from mailer.pipeline.editions.revisions import Imported, import_editions

__all__ = ["import_letters"]


def import_letters(ctx: Context, *paths: Path, by: str = "Testi Tuoja") -> list[Imported]:
    """Import files, or every YYYY-MM.yaml of a folder, as new revisions (unchanged text: none)."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("[0-9]*-[0-9]*.yaml")) if path.is_dir() else [path]
    return import_editions(ctx, files, by)
