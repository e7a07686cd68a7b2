"""Contact register queries: status changes (with history), one contact, the list (tables:
mailer.store.tables)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.core.models import ContactStatus
from mailer.core.tokens import TokenRef
from mailer.store.bulk import chunks
from mailer.store.tables import contact_history, contact_sources, contacts, erasures

__all__ = [
    "change_status",
    "erased_on",
    "find_contact",
    "held_back",
    "history_of",
    "latest_unsubscribe",
    "list_contacts",
    "sources_of",
]


def change_status(
    conn: Connection,
    contact_id: int,
    new_status: ContactStatus,
    *,
    at: datetime,
    kind: str,
    reason: str | None = None,
    source: str | None = None,
    actor: str | None = None,
    note: str | None = None,
) -> bool:
    """Set a contact's status and write the history row, in the caller's transaction.

    The one way every capability (bounce policy, unsubscribe link, admin reactivation) changes a
    status, so the history is never skipped. Returns False when the status was already `new_status`
    (nothing written: replayed events must not pile up history)."""
    old = conn.execute(
        sa.select(contacts.c.status).where(contacts.c.id == contact_id)
    ).scalar_one_or_none()
    if old is None or old == new_status.value:
        return False
    values: dict[str, object] = {
        "status": new_status.value,
        "status_reason": reason,
        "status_changed_at": at,
        "updated_at": at,
    }
    if new_status is ContactStatus.ACTIVE:
        values["soft_streak"] = 0
    conn.execute(sa.update(contacts).where(contacts.c.id == contact_id).values(**values))
    conn.execute(
        sa.insert(contact_history).values(
            contact_id=contact_id,
            at=at,
            kind=kind,
            old_status=old,
            new_status=new_status.value,
            note=note or reason,
            actor=actor,
            source=source,
        )
    )
    return True


def held_back(conn: Connection, contact_ids: list[int]) -> dict[int, str]:
    """contact id -> status, for those of `contact_ids` that are pending or retired."""
    found: dict[int, str] = {}
    held = (ContactStatus.PENDING.value, ContactStatus.RETIRED.value)
    for chunk in chunks(contact_ids):
        query = sa.select(contacts.c.id, contacts.c.status).where(
            contacts.c.id.in_(chunk), contacts.c.status.in_(held)
        )
        found.update((int(cid), str(status)) for cid, status in conn.execute(query))
    return found


# --- queries of one contact and of the list (bulk roster writes: mailer.store.register) -----


def find_contact(conn: Connection, email: str) -> sa.RowMapping | None:
    return conn.execute(sa.select(contacts).where(contacts.c.email == email)).mappings().first()


def list_contacts(
    conn: Connection,
    *,
    region: str | None = None,
    language: str | None = None,
    status: str | None = None,
) -> list[sa.RowMapping]:
    query = sa.select(contacts).order_by(contacts.c.region, contacts.c.email)
    if region is not None:
        query = query.where(contacts.c.region == region)
    if language is not None:
        query = query.where(contacts.c.language == language)
    if status is not None:
        query = query.where(contacts.c.status == status)
    return list(conn.execute(query).mappings())


def sources_of(conn: Connection, contact_id: int) -> list[sa.RowMapping]:
    return list(
        conn.execute(
            sa.select(
                contact_sources.c.source, contact_sources.c.line, contact_sources.c.imported_at
            )
            .where(contact_sources.c.contact_id == contact_id)
            .order_by(contact_sources.c.imported_at, contact_sources.c.source)
        ).mappings()
    )


def history_of(conn: Connection, contact_id: int) -> list[sa.RowMapping]:
    return list(
        conn.execute(
            sa.select(contact_history)
            .where(contact_history.c.contact_id == contact_id)
            .order_by(contact_history.c.at, contact_history.c.id)
        ).mappings()
    )


class UnsubscribeTarget(NamedTuple):
    id: int
    email: str
    language: str
    status: str


def unsubscribe_target(conn: Connection, ref: TokenRef) -> UnsubscribeTarget | None:
    """What the unsubscribe page needs of the contact a token names (its token key, or the id
    of a contact that existed before token keys), or None when it is not in the register."""
    if isinstance(ref, str):
        where = contacts.c.token_key == ref
    else:
        where = sa.and_(contacts.c.id == ref, contacts.c.legacy_id_token.is_(True))
    row = conn.execute(
        sa.select(contacts.c.id, contacts.c.email, contacts.c.language, contacts.c.status).where(
            where
        )
    ).first()
    return None if row is None else UnsubscribeTarget(*row)


def erased_on(conn: Connection, hashes: list[str]) -> dict[str, datetime]:
    """address hash -> the (latest) time it was erased, for the given hashes."""
    found: dict[str, datetime] = {}
    for chunk in chunks(hashes):
        query = (
            sa.select(erasures.c.address_hash, sa.func.max(erasures.c.erased_at))
            .where(erasures.c.address_hash.in_(chunk))
            .group_by(erasures.c.address_hash)
        )
        found.update({str(h): at for h, at in conn.execute(query)})
    return found


def latest_unsubscribe(conn: Connection, contact_id: int) -> sa.RowMapping | None:
    """The newest history row that made the contact unsubscribed (its source and note say
    whether it was a spam complaint)."""
    return (
        conn.execute(
            sa.select(contact_history)
            .where(
                contact_history.c.contact_id == contact_id,
                contact_history.c.new_status == ContactStatus.UNSUBSCRIBED.value,
            )
            .order_by(contact_history.c.at.desc(), contact_history.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
