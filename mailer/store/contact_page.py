"""Queries of the contact's own page and of the pending contacts (tables: mailer.store.tables):
one contact by its token key, its details, a note in its history, a new pending contact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.core.models import ContactStatus
from mailer.store.tables import contact_history, contact_sources, contacts, new_token_key

__all__ = [
    "add_note",
    "by_token_key",
    "contact_by_id",
    "delete_pending",
    "email_in_use",
    "insert_pending",
    "latest_note",
    "named_by",
    "pending_contacts",
    "update_fields",
]

_c = contacts.c


def by_token_key(conn: Connection, key: str) -> sa.RowMapping | None:
    return conn.execute(sa.select(contacts).where(_c.token_key == key)).mappings().first()


def contact_by_id(conn: Connection, contact_id: int) -> sa.RowMapping | None:
    return conn.execute(sa.select(contacts).where(_c.id == contact_id)).mappings().first()


def email_in_use(conn: Connection, email: str) -> bool:
    return conn.execute(sa.select(_c.id).where(_c.email == email)).first() is not None


def update_fields(conn: Connection, contact_id: int, at: datetime, **values: Any) -> None:
    conn.execute(sa.update(contacts).where(_c.id == contact_id).values(updated_at=at, **values))


def add_note(
    conn: Connection,
    contact_id: int,
    *,
    at: datetime,
    kind: str,
    note: str,
    actor: str,
    source: str | None = None,
) -> None:
    """A history row without a status change (details corrected, language switched...)."""
    conn.execute(
        sa.insert(contact_history).values(
            contact_id=contact_id, at=at, kind=kind, note=note, actor=actor, source=source
        )
    )


def insert_pending(conn: Connection, at: datetime, **values: Any) -> int:
    """A new contact in status pending; returns its id."""
    row = {
        **values,
        "status": ContactStatus.PENDING.value,
        "status_changed_at": at,
        "soft_streak": 0,
        "created_at": at,
        "updated_at": at,
        "token_key": new_token_key(),
    }
    return int(conn.execute(sa.insert(contacts).values(**row).returning(_c.id)).scalar_one())


def named_by(conn: Connection, contact_id: int, kind: str) -> int | None:
    """The id in the `source` ("contact:<id>") of the contact's latest history row of `kind`:
    who named this successor."""
    source = conn.execute(
        sa.select(contact_history.c.source)
        .where(contact_history.c.contact_id == contact_id, contact_history.c.kind == kind)
        .order_by(contact_history.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if source is None or not source.startswith("contact:"):
        return None
    tail = source.removeprefix("contact:")
    return int(tail) if tail.isdigit() else None


def delete_pending(conn: Connection, contact_id: int) -> None:
    """A rejected pending contact goes with its history: never mailed, never in a roster."""
    conn.execute(sa.delete(contact_history).where(contact_history.c.contact_id == contact_id))
    conn.execute(sa.delete(contact_sources).where(contact_sources.c.contact_id == contact_id))
    conn.execute(
        sa.delete(contacts).where(_c.id == contact_id, _c.status == ContactStatus.PENDING.value)
    )


def latest_note(conn: Connection, contact_id: int) -> str | None:
    return conn.execute(
        sa.select(contact_history.c.note)
        .where(contact_history.c.contact_id == contact_id)
        .order_by(contact_history.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def pending_contacts(conn: Connection) -> list[sa.RowMapping]:
    return list(
        conn.execute(
            sa.select(contacts)
            .where(_c.status == ContactStatus.PENDING.value)
            .order_by(_c.status_changed_at, _c.id)
        ).mappings()
    )
