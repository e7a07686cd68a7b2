"""Contact register tables: contacts, their provenance, their history, erasure counts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.core.models import ContactStatus
from mailer.store.base import UTCDateTime, metadata

T = TypeVar("T")

__all__ = [
    "change_status",
    "chunks",
    "contact_history",
    "contact_sources",
    "contacts",
    "erasures",
    "find_contact",
    "history_of",
    "list_contacts",
    "roster_imports",
    "sources_of",
]

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # normalised: trimmed, lower-cased local part and domain; the merge key
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("first_name", sa.String(200), nullable=False),
    sa.Column("last_name", sa.String(200), nullable=False),
    sa.Column("organisation", sa.String(300), nullable=False),
    sa.Column("org_type", sa.String(20), nullable=False),
    sa.Column("municipality", sa.String(3), nullable=True),  # municipality code
    sa.Column("region", sa.String(8), nullable=False, index=True),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="active", index=True),
    sa.Column("status_reason", sa.Text, nullable=True),
    sa.Column("status_changed_at", UTCDateTime, nullable=True),
    # consecutive editions with soft failures and no delivery (bounce policy)
    sa.Column("soft_streak", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_delivered_at", UTCDateTime, nullable=True),
    sa.Column("missing_since", UTCDateTime, nullable=True),  # absent from a newer roster
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

roster_imports = sa.Table(
    "roster_imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.Column("files", sa.JSON, nullable=False),
    sa.Column("summary", sa.JSON, nullable=False),
)

# Provenance: where each contact was last seen, per source (a roster file name).
contact_sources = sa.Table(
    "contact_sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "contact_id", sa.Integer, sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("source", sa.String(300), nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("roster_imports.id"), nullable=True),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("contact_id", "source", name="uq_contact_sources_contact_source"),
)

# Status changes and notes (stale, unsubscribed, reactivated...): the history stays.
contact_history = sa.Table(
    "contact_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "contact_id",
        sa.Integer,
        sa.ForeignKey("contacts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,  # the policy and the reports read one contact's history per request
    ),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("old_status", sa.String(16), nullable=True),
    sa.Column("new_status", sa.String(16), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("actor", sa.String(200), nullable=True),
    sa.Column("source", sa.String(64), nullable=True),
)

# GDPR erasure leaves only anonymised counts.
erasures = sa.Table(
    "erasures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("erased_at", UTCDateTime, nullable=False),
    sa.Column("region", sa.String(8), nullable=True),
    sa.Column("deliveries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("events", sa.Integer, nullable=False, server_default="0"),
)


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


# --- queries of one contact and of the list (bulk roster writes: mailer.store.register) -----

_CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
