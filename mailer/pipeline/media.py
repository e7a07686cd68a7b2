"""The letters' images: upload (checked and re-encoded by `pipeline.images`), the library's list,
and the bytes a public URL serves. An image's URL is `{MAILER_PUBLIC_URL}/media/<sha256>.<ext>`:
it names the bytes, so a sent letter's picture never changes, and an image uploaded twice is
stored once."""

from __future__ import annotations

import sqlalchemy as sa

from mailer.core.accounts import AuditAction
from mailer.pipeline.audit import record_in
from mailer.pipeline.context import Context
from mailer.pipeline.images import Prepared, prepare_image
from mailer.store import media as store
from mailer.store.media import MediaFile, MediaRow

__all__ = [
    "LIBRARY_SIZE",
    "MediaFile",
    "MediaRow",
    "library",
    "media_file",
    "media_url",
    "upload_image",
]  # fmt: skip

# The library lists the latest uploads; a network's monthly letters use a few images a month.
LIBRARY_SIZE = 200
MAX_FILENAME = 300


def media_url(ctx: Context, media_id: str, extension: str) -> str:
    return f"{ctx.settings.public_url.rstrip('/')}/media/{media_id}.{extension}"


def upload_image(ctx: Context, *, actor: str, filename: str, data: bytes) -> MediaRow:
    """Check and store an uploaded image (MediaError when it is none this accepts)."""
    prepared: Prepared = prepare_image(data)
    at = ctx.now()
    row = MediaRow(
        id=prepared.digest,
        extension=prepared.extension,
        width=prepared.width,
        height=prepared.height,
        size=len(prepared.data),
        filename=filename.strip()[:MAX_FILENAME] or "image",
        uploaded_by=actor,
        uploaded_at=at,
    )
    with ctx.engine.begin() as conn:
        try:
            with conn.begin_nested():  # a savepoint: the race below leaves the transaction usable
                new = store.insert_media(conn, row, prepared.content_type, prepared.data)
        except sa.exc.IntegrityError:  # another process stored the same bytes meanwhile
            new = False
        if new:
            record_in(
                conn, at, actor=actor, action=AuditAction.MEDIA_UPLOADED,
                target=f"media:{row.id[:12]}", detail=f"{row.width}x{row.height} {row.extension}",
            )  # fmt: skip
    return row


def library(ctx: Context) -> list[MediaRow]:
    with ctx.engine.connect() as conn:
        return store.list_media(conn, limit=LIBRARY_SIZE)


def media_file(ctx: Context, media_id: str, extension: str) -> MediaFile | None:
    with ctx.engine.connect() as conn:
        return store.find_media(conn, media_id, extension)
