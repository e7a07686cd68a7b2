"""The workspace register: one filtered, paged query over the contacts (search, filters, SQL-side
counting and paging), the same filter for exports, and one contact's audit entries.

Ten thousand contacts stay fast because nothing is filtered or paged in Python: the count and
the page are two statements, ordered by the columns of `ix_contacts_register_order`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from mailer.core.models import ContactStatus
from mailer.store.tables import audit_log, contacts

__all__ = ["REGISTER_COLUMNS", "RegisterQuery", "audit_about", "matching", "page_of"]

REGISTER_COLUMNS = (
    contacts.c.id,
    contacts.c.email,
    contacts.c.first_name,
    contacts.c.last_name,
    contacts.c.organisation,
    contacts.c.org_type,
    contacts.c.municipality,
    contacts.c.region,
    contacts.c.language,
    contacts.c.role,
    contacts.c.title,
    contacts.c.status,
    contacts.c.status_reason,
    contacts.c.status_changed_at,
    contacts.c.soft_streak,
    contacts.c.missing_since,
    contacts.c.updated_at,
)
_ORDER = (contacts.c.region, contacts.c.organisation, contacts.c.last_name, contacts.c.id)


class RegisterQuery(NamedTuple):
    """What the register page filters by; None (or False) leaves a filter out."""

    search: str | None = None  # in name, email or organisation, case-insensitive
    region: str | None = None
    language: str | None = None
    status: str | None = None
    role: str | None = None
    org_type: str | None = None
    suspect_streak: int | None = None  # active with at least this many soft-failed editions
    missing: bool = False  # absent from a newer roster


def _like(text: str) -> str:
    # LIKE wildcards typed into the search box are literal
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(chosen: RegisterQuery) -> sa.ColumnElement[bool]:
    found: list[sa.ColumnElement[bool]] = []
    for column, value in (
        (contacts.c.region, chosen.region),
        (contacts.c.language, chosen.language),
        (contacts.c.status, chosen.status),
        (contacts.c.role, chosen.role),
        (contacts.c.org_type, chosen.org_type),
    ):
        if value:
            found.append(column == value)
    if chosen.suspect_streak is not None:
        found.append(contacts.c.status == ContactStatus.ACTIVE.value)
        found.append(contacts.c.soft_streak >= chosen.suspect_streak)
    if chosen.missing:
        found.append(contacts.c.missing_since.is_not(None))
    if chosen.search and chosen.search.strip():
        pattern = _like(chosen.search.strip())
        full_name = contacts.c.first_name + " " + contacts.c.last_name
        searched = (contacts.c.email, full_name, contacts.c.organisation)
        found.append(sa.or_(*(sa.func.lower(c).like(pattern, escape="\\") for c in searched)))
    return sa.and_(sa.true(), *found)


def page_of(
    conn: Connection, chosen: RegisterQuery, *, offset: int, limit: int
) -> tuple[int, Sequence[RowMapping]]:
    """The number of matching contacts, and one page of them in register order."""
    where = _conditions(chosen)
    total = conn.execute(sa.select(sa.func.count()).select_from(contacts).where(where))
    rows = conn.execute(
        sa.select(*REGISTER_COLUMNS).where(where).order_by(*_ORDER).offset(offset).limit(limit)
    )
    return int(total.scalar_one()), rows.mappings().all()


def matching(conn: Connection, chosen: RegisterQuery) -> Sequence[RowMapping]:
    """Every matching contact in register order (exports)."""
    query = sa.select(*REGISTER_COLUMNS).where(_conditions(chosen)).order_by(*_ORDER)
    return conn.execute(query).mappings().all()


def audit_about(conn: Connection, target: str, *, limit: int = 100) -> Sequence[RowMapping]:
    """The audit entries whose target is `target`, newest first."""
    query = (
        sa.select(audit_log)
        .where(audit_log.c.target == target)
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
        .limit(limit)
    )
    return conn.execute(query).mappings().all()
