"""A coordinator's changes to one contact's details, in the caller's transaction (status
changes go through `mailer.store.contacts.change_status`, erasure through `erasure.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from mailer.store.tables import contact_history, contacts

__all__ = ["EDITABLE", "contact_for_update", "email_taken", "write_details"]

# The columns a coordinator may edit on the contact's page.
EDITABLE = (
    "first_name", "last_name", "email", "title", "role", "organisation", "region", "language",
)  # fmt: skip


def contact_for_update(conn: Connection, contact_id: int) -> RowMapping | None:
    query = sa.select(contacts).where(contacts.c.id == contact_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()  # two coordinators saving at once: one waits
    return conn.execute(query).mappings().first()


def email_taken(conn: Connection, email: str, contact_id: int) -> bool:
    query = sa.select(contacts.c.id).where(contacts.c.email == email, contacts.c.id != contact_id)
    return conn.execute(query).first() is not None


def write_details(
    conn: Connection,
    contact_id: int,
    values: Mapping[str, str | None],
    *,
    at: datetime,
    actor: str,
    note: str,
) -> None:
    """Set the given EDITABLE columns and keep a history row saying what changed."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    conn.execute(
        sa.update(contacts).where(contacts.c.id == contact_id).values(**values, updated_at=at)
    )
    conn.execute(
        sa.insert(contact_history).values(
            contact_id=contact_id, at=at, kind="edited", note=note, actor=actor, source="workspace"
        )
    )
