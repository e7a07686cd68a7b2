"""Images uploaded for the letters (the `media` table)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from mailer.store.tables import media

__all__ = ["MediaFile", "MediaRow", "find_media", "insert_media", "list_media"]

_m = media.c


class MediaRow(NamedTuple):
    """An image without its bytes (the library's list)."""

    id: str
    extension: str
    width: int
    height: int
    size: int
    filename: str
    uploaded_by: str
    uploaded_at: datetime


class MediaFile(NamedTuple):
    content_type: str
    data: bytes


_LISTED = (_m.id, _m.extension, _m.width, _m.height, _m.size, _m.filename, _m.uploaded_by,
           _m.uploaded_at)  # fmt: skip


def insert_media(conn: sa.Connection, row: MediaRow, content_type: str, data: bytes) -> bool:
    """Store the image; False when the same bytes are stored already (nothing changes then)."""
    if conn.execute(sa.select(_m.id).where(_m.id == row.id)).first() is not None:
        return False
    conn.execute(sa.insert(media).values(**row._asdict(), content_type=content_type, data=data))
    return True


def find_media(conn: sa.Connection, media_id: str, extension: str) -> MediaFile | None:
    query = sa.select(_m.content_type, _m.data).where(_m.id == media_id, _m.extension == extension)
    found = conn.execute(query).first()
    return None if found is None else MediaFile(found[0], bytes(found[1]))


def list_media(conn: sa.Connection, *, limit: int) -> list[MediaRow]:
    query = sa.select(*_LISTED).order_by(_m.uploaded_at.desc(), _m.id).limit(limit)
    return [MediaRow(*row) for row in conn.execute(query)]
