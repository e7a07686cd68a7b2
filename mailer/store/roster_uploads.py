"""Roster files uploaded in the workspace, kept between the preview and the commit (table in
`mailer.store.tables`)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.store.tables import roster_uploads

__all__ = ["PendingUpload", "delete", "find", "purge_expired", "save"]


class PendingUpload(NamedTuple):
    id: str
    account: str
    filename: str
    data: bytes
    sha256: str
    created_at: datetime
    expires_at: datetime


def save(conn: Connection, upload: PendingUpload) -> None:
    conn.execute(sa.insert(roster_uploads).values(**upload._asdict()))


def find(conn: Connection, upload_id: str, account: str, now: datetime) -> PendingUpload | None:
    """The upload if it exists, belongs to `account` and has not expired."""
    row = conn.execute(
        sa.select(*(roster_uploads.c[name] for name in PendingUpload._fields)).where(
            roster_uploads.c.id == upload_id,
            roster_uploads.c.account == account,
            roster_uploads.c.expires_at > now,
        )
    ).first()
    return None if row is None else PendingUpload(*row)


def delete(conn: Connection, upload_id: str) -> None:
    conn.execute(sa.delete(roster_uploads).where(roster_uploads.c.id == upload_id))


def purge_expired(conn: Connection, now: datetime) -> int:
    result = conn.execute(sa.delete(roster_uploads).where(roster_uploads.c.expires_at <= now))
    return int(result.rowcount or 0)
