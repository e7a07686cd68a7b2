"""The public archive's copies of sent letters: stage-1 HTML, recipient tokens, no personal data."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from mailer.store.tables import archived_letters

__all__ = ["ArchivedCopy", "archived_html", "store_copies"]


class ArchivedCopy(NamedTuple):
    region: str
    language: str
    html: str


def store_copies(
    conn: sa.Connection, month: str, revision: int, copies: Iterable[ArchivedCopy], at: datetime
) -> None:
    """Keep the month's copies; a month that has them keeps its first ones."""
    exists = conn.execute(
        sa.select(archived_letters.c.id).where(archived_letters.c.month == month).limit(1)
    ).first()
    if exists is not None:
        return
    rows = [
        {
            "month": month,
            "region": c.region,
            "language": c.language,
            "revision": revision,
            "html": c.html,
            "stored_at": at,
        }
        for c in copies
    ]
    if rows:
        conn.execute(sa.insert(archived_letters), rows)


def archived_html(conn: sa.Connection, month: str, region: str, language: str) -> str | None:
    return conn.execute(
        sa.select(archived_letters.c.html).where(
            archived_letters.c.month == month,
            archived_letters.c.region == region,
            archived_letters.c.language == language,
        )
    ).scalar_one_or_none()
