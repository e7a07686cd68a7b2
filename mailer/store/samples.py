"""Real contacts as preview recipients: a few active ones per variant, with only the fields a
letter shows (names, organisation, role); never the address or the unsubscribe key."""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from mailer.core.models import ContactStatus
from mailer.store.tables import contacts

__all__ = ["SampleContact", "sample_contact", "sample_contacts"]

_c = contacts.c


class SampleContact(NamedTuple):
    id: int
    region: str
    language: str
    first_name: str
    last_name: str
    organisation: str
    role: str


_COLUMNS = (_c.id, _c.region, _c.language, _c.first_name, _c.last_name, _c.organisation, _c.role)


def sample_contacts(conn: sa.Connection, per_variant: int) -> list[SampleContact]:
    """Up to `per_variant` active contacts of each (region, language), by name: one query, a
    window per variant, so 10,000 contacts cost one indexed scan, not ten."""
    place = (
        sa.func.row_number()
        .over(
            partition_by=(_c.region, _c.language),
            order_by=(_c.last_name, _c.first_name, _c.id),
        )
        .label("place")
    )
    ranked = sa.select(*_COLUMNS, place).where(_c.status == ContactStatus.ACTIVE.value).subquery()
    query = (
        sa.select(*(ranked.c[col.name] for col in _COLUMNS))
        .where(ranked.c.place <= per_variant)
        .order_by(ranked.c.region, ranked.c.language, ranked.c.place)
    )
    return [SampleContact(*row) for row in conn.execute(query)]


def sample_contact(conn: sa.Connection, contact_id: int) -> SampleContact | None:
    """One active contact by id (None: unknown, or no longer active)."""
    row = conn.execute(
        sa.select(*_COLUMNS).where(_c.id == contact_id, _c.status == ContactStatus.ACTIVE.value)
    ).first()
    return None if row is None else SampleContact(*row)
