"""Real contacts as preview recipients: a few active ones per variant, with only the fields a
letter shows (names, organisation, role); never the address or the unsubscribe key."""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from mailer.core.models import ContactStatus, Language, Region
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
    """Up to `per_variant` active contacts of each (region, language), by name: one query of
    ten limited parts (a window over the whole register cost 6 times more at 10,000 contacts)."""
    parts = [
        sa.select(*_COLUMNS)
        .where(
            _c.region == region.value,
            _c.language == language.value,
            _c.status == ContactStatus.ACTIVE.value,
        )
        .order_by(_c.last_name, _c.first_name, _c.id)
        .limit(per_variant)
        .subquery()
        .select()
        for region in Region
        for language in Language
    ]
    return [SampleContact(*row) for row in conn.execute(sa.union_all(*parts))]


def sample_contact(conn: sa.Connection, contact_id: int) -> SampleContact | None:
    """One active contact by id (None: unknown, or no longer active)."""
    row = conn.execute(
        sa.select(*_COLUMNS).where(_c.id == contact_id, _c.status == ContactStatus.ACTIVE.value)
    ).first()
    return None if row is None else SampleContact(*row)
