"""GDPR erasure across the register, the ledger and the events."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.store.bulk import chunks
from mailer.store.tables import (
    contact_history,
    contact_sources,
    contacts,
    deliveries,
    erasures,
    events,
)

__all__ = ["ERASED", "erase_contact"]


ERASED = "[erased]"


def _scrub(value: Any, pattern: re.Pattern[str]) -> Any:
    """The same JSON with every occurrence of the address replaced (in values and keys):
    SendGrid repeats the address in `email` and sometimes inside `reason` strings."""
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_scrub(item, pattern) for item in value]
    if isinstance(value, dict):
        return {pattern.sub(ERASED, str(k)): _scrub(v, pattern) for k, v in value.items()}
    return value


def erase_contact(
    conn: Connection, contact_id: int, email: str, at: datetime, address_hash: str | None = None
) -> dict[str, int]:
    """GDPR erasure in the caller's transaction: the ledger and the events stay as anonymised
    rows (counts and states for reports), the contact, its provenance and history go, and an
    `erasures` row keeps only the region and the counts. Returns those counts."""
    region = conn.execute(
        sa.select(contacts.c.region).where(contacts.c.id == contact_id)
    ).scalar_one()
    delivery_filter = sa.or_(
        deliveries.c.contact_id == contact_id, sa.func.lower(deliveries.c.email) == email
    )
    delivery_ids = [
        row[0] for row in conn.execute(sa.select(deliveries.c.id).where(delivery_filter))
    ]
    for chunk in chunks(delivery_ids):
        conn.execute(
            sa.update(deliveries)
            .where(deliveries.c.id.in_(chunk))
            .values(email=None, contact_id=None)
        )
    event_filter = sa.or_(events.c.contact_id == contact_id, sa.func.lower(events.c.email) == email)
    if delivery_ids:
        event_filter = sa.or_(event_filter, events.c.delivery_pk.in_(delivery_ids))
    pattern = re.compile(re.escape(email), re.IGNORECASE)
    found = conn.execute(
        sa.select(events.c.id, events.c.raw, events.c.reason).where(event_filter)
    ).all()
    if found:
        conn.execute(
            sa.update(events)
            .where(events.c.id == sa.bindparam("b_id"))
            .values(
                email=None,
                contact_id=None,
                raw=sa.bindparam("b_raw"),
                reason=sa.bindparam("b_reason"),
            ),
            [
                {
                    "b_id": id_,
                    "b_raw": _scrub(raw, pattern),
                    "b_reason": _scrub(reason, pattern),
                }
                for id_, raw, reason in found
            ],
        )
    conn.execute(sa.delete(contact_history).where(contact_history.c.contact_id == contact_id))
    conn.execute(sa.delete(contact_sources).where(contact_sources.c.contact_id == contact_id))
    conn.execute(sa.delete(contacts).where(contacts.c.id == contact_id))
    counts = {"deliveries": len(delivery_ids), "events": len(found)}
    conn.execute(
        sa.insert(erasures).values(erased_at=at, region=region, address_hash=address_hash, **counts)
    )
    return counts
