"""Read-only queries behind the reports and admin pages (no writes, no transactions of their own).

Reports are small by nature (a few thousand contacts, a dozen editions a year), so these queries
fetch plain rows and leave grouping to `mailer.pipeline.reports`; what must be bounded in size
(the admin register) is paged here in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from mailer.core.models import ContactStatus, DeliveryState
from mailer.store.tables import (
    contact_history,
    contacts,
    deliveries,
    events,
)

__all__ = [
    "FAILURE_EVENTS",
    "SOFT_EVENT_FILTER",
    "active_organisations",
    "contact_detail",
    "contact_rows",
    "delivered_at_by_contact",
    "edition_deliveries",
    "edition_event_types",
    "evidence_events",
    "next_letter_at",
    "status_counts",
    "unsubscribe_history",
]

# Event types that are evidence of an address not working or a person leaving.
FAILURE_EVENTS = ("bounce", "dropped", "deferred", "spamreport", "unsubscribe", "group_unsubscribe")

# Soft evidence (policy, issue 5): a bounce SendGrid classifies as `blocked`, or a deferral.
SOFT_EVENT_FILTER = sa.or_(
    events.c.event_type == "deferred",
    sa.and_(events.c.event_type == "bounce", sa.func.lower(events.c.bounce_type) == "blocked"),
)

_CONTACT_COLUMNS = (
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
    contacts.c.status,
    contacts.c.status_reason,
    contacts.c.status_changed_at,
    contacts.c.soft_streak,
    contacts.c.last_delivered_at,
    contacts.c.missing_since,
)


def contact_rows(
    conn: Connection, *, region: str | None = None, watched: bool = False
) -> Sequence[RowMapping]:
    """Every contact (of one region), ordered for display; `watched`: only those a bounce report
    can name (not active, a soft streak, or failure evidence), not the whole register."""
    query = sa.select(*_CONTACT_COLUMNS).order_by(
        contacts.c.region, contacts.c.organisation, contacts.c.last_name, contacts.c.id
    )
    if region is not None:
        query = query.where(contacts.c.region == region)
    if watched:
        failure = events.c.event_type.in_(FAILURE_EVENTS)
        linked = sa.exists().where(events.c.contact_id == contacts.c.id, failure)
        by_email = sa.exists().where(
            events.c.contact_id.is_(None), events.c.email == contacts.c.email, failure
        )
        active = contacts.c.status == ContactStatus.ACTIVE
        query = query.where(sa.or_(~active, contacts.c.soft_streak > 0, linked, by_email))
    return conn.execute(query).mappings().all()


def active_organisations(conn: Connection, *, region: str | None) -> list[tuple[str, ...]]:
    """(region, org_type, municipality, organisation) as written by active contacts, distinct."""
    c = contacts.c
    query = (
        sa.select(c.region, c.org_type, c.municipality, c.organisation)
        .where(c.status == ContactStatus.ACTIVE, _region_filter(region))
        .distinct()
    )
    return [tuple(row) for row in conn.execute(query)]


def _region_filter(region: str | None) -> sa.ColumnElement[bool]:
    return contacts.c.region == region if region is not None else sa.true()


def evidence_events(conn: Connection, *, region: str | None) -> Sequence[RowMapping]:
    """Failure events of the contacts (of one region) who are not unsubscribed, newest first:
    linked by contact id, or (events the webhook could not link) by the address they were about.
    Joins instead of id lists, so the size of the register never meets a bound-parameter limit."""
    columns = (
        events.c.email,
        events.c.event_type,
        events.c.raw_type,
        events.c.occurred_at,
        events.c.status,
        events.c.reason,
        events.c.bounce_type,
        events.c.classification,
        events.c.edition,
        events.c.source,
        SOFT_EVENT_FILTER.label("soft"),
        events.c.id.label("event_pk"),
    )
    wanted = sa.and_(
        events.c.event_type.in_(FAILURE_EVENTS),
        contacts.c.status.in_((ContactStatus.ACTIVE, ContactStatus.STALE)),
        _region_filter(region),
    )
    linked = (
        sa.select(contacts.c.id.label("contact_id"), *columns)
        .join(contacts, contacts.c.id == events.c.contact_id)
        .where(wanted)
    )
    by_email = (
        sa.select(contacts.c.id.label("contact_id"), *columns)
        .join(contacts, sa.and_(events.c.contact_id.is_(None), contacts.c.email == events.c.email))
        .where(wanted)
    )
    union = sa.union_all(linked, by_email).subquery()
    query = sa.select(union).order_by(union.c.occurred_at.desc(), union.c.event_pk.desc())
    return conn.execute(query).mappings().all()


def delivered_at_by_contact(conn: Connection, *, region: str | None) -> dict[int, datetime]:
    """The latest `delivered` event per contact (the ledger's own last-good-delivery record)."""
    query = (
        sa.select(events.c.contact_id, sa.func.max(events.c.occurred_at))
        .join(contacts, contacts.c.id == events.c.contact_id)
        .where(events.c.event_type == "delivered", _region_filter(region))
        .group_by(events.c.contact_id)
    )
    # max() keeps the column's type, so the values come back as aware UTC on both backends.
    return {int(row[0]): row[1] for row in conn.execute(query) if row[1] is not None}


def status_counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(region, status, count) over the whole register."""
    query = sa.select(contacts.c.region, contacts.c.status, sa.func.count()).group_by(
        contacts.c.region, contacts.c.status
    )
    return [(r, s, int(n)) for r, s, n in conn.execute(query)]


def edition_deliveries(conn: Connection, month: str) -> Sequence[RowMapping]:
    """The edition's deliveries that have news beyond their state: a provider event, or a contact
    who ever unsubscribed (the states themselves are counted by a grouped query), so a report
    reads a handful of rows, not the whole edition."""
    with_event = sa.exists().where(events.c.delivery_pk == deliveries.c.id)
    left = sa.select(contact_history.c.contact_id).where(
        contact_history.c.new_status == ContactStatus.UNSUBSCRIBED
    )
    query = sa.select(
        deliveries.c.id,
        deliveries.c.contact_id,
        deliveries.c.region,
        deliveries.c.language,
        deliveries.c.accepted_at,
    ).where(
        deliveries.c.edition == month,
        sa.or_(with_event, deliveries.c.contact_id.in_(left)),
    )
    return conn.execute(query).mappings().all()


def edition_event_types(conn: Connection, month: str) -> list[tuple[int, str]]:
    """(delivery pk, event type) pairs, distinct, for the deliveries of one edition."""
    query = (
        sa.select(events.c.delivery_pk, events.c.event_type)
        .join(deliveries, deliveries.c.id == events.c.delivery_pk)
        .where(deliveries.c.edition == month)
        .distinct()
    )
    return [(int(pk), str(kind)) for pk, kind in conn.execute(query)]


def unsubscribe_history(conn: Connection, month: str) -> list[tuple[int, datetime, str | None]]:
    """(contact id, when, source) of every change to `unsubscribed` of the edition's contacts."""
    own = sa.select(deliveries.c.contact_id).where(
        deliveries.c.edition == month, deliveries.c.contact_id.is_not(None)
    )
    query = sa.select(
        contact_history.c.contact_id, contact_history.c.at, contact_history.c.source
    ).where(
        contact_history.c.contact_id.in_(own),
        contact_history.c.new_status == ContactStatus.UNSUBSCRIBED,
    )
    return [(int(c), at, src) for c, at, src in conn.execute(query)]


def next_letter_at(conn: Connection, month: str) -> dict[int, datetime]:
    """Per contact of this edition who ever unsubscribed: when their next letter (a later
    edition) was accepted. Bounds the window in which an unsubscribe counts for this edition."""
    left = sa.select(contact_history.c.contact_id).where(
        contact_history.c.new_status == ContactStatus.UNSUBSCRIBED
    )
    own = sa.select(deliveries.c.contact_id).where(
        deliveries.c.edition == month, deliveries.c.contact_id.in_(left)
    )
    query = (
        sa.select(deliveries.c.contact_id, sa.func.min(deliveries.c.accepted_at))
        .where(
            deliveries.c.edition > month,
            deliveries.c.contact_id.in_(own),
            deliveries.c.accepted_at.is_not(None),
        )
        .group_by(deliveries.c.contact_id)
    )
    return {int(c): at for c, at in conn.execute(query) if at is not None}


def contact_detail(
    conn: Connection, contact_id: int, *, events_limit: int = 50
) -> tuple[RowMapping | None, Sequence[RowMapping], Sequence[RowMapping], Sequence[RowMapping]]:
    """One contact with its status history, its deliveries and its latest events."""
    contact = (
        conn.execute(sa.select(contacts).where(contacts.c.id == contact_id)).mappings().first()
    )
    if contact is None:
        return None, [], [], []
    history = (
        conn.execute(
            sa.select(contact_history)
            .where(contact_history.c.contact_id == contact_id)
            .order_by(contact_history.c.at.desc(), contact_history.c.id.desc())
        )
        .mappings()
        .all()
    )
    sent = (
        conn.execute(
            sa.select(
                deliveries.c.edition,
                deliveries.c.state,
                deliveries.c.accepted_at,
                deliveries.c.failed_at,
                deliveries.c.last_error,
            )
            .where(deliveries.c.contact_id == contact_id)
            .order_by(deliveries.c.edition.desc())
        )
        .mappings()
        .all()
    )
    seen = (
        conn.execute(
            sa.select(
                events.c.event_type,
                events.c.occurred_at,
                events.c.status,
                events.c.reason,
                events.c.bounce_type,
                events.c.classification,
                events.c.edition,
                events.c.source,
            )
            .where(events.c.contact_id == contact_id)
            .order_by(events.c.occurred_at.desc(), events.c.id.desc())
            .limit(events_limit)
        )
        .mappings()
        .all()
    )
    return contact, history, sent, seen


class AcceptedLetter(NamedTuple):
    delivery_id: str
    email: str
    region: str
    language: str
    accepted_at: datetime | None
    contact_id: int | None


def accepted_letters(conn: Connection, month: str) -> list[AcceptedLetter]:
    """The edition's letters the provider took, in delivery-id order (stable across runs)."""
    query = (
        sa.select(
            deliveries.c.delivery_id,
            deliveries.c.email,
            deliveries.c.region,
            deliveries.c.language,
            deliveries.c.accepted_at,
            deliveries.c.contact_id,
        )
        .where(deliveries.c.edition == month, deliveries.c.state == DeliveryState.ACCEPTED.value)
        .where(deliveries.c.email.is_not(None))
        .order_by(deliveries.c.delivery_id)
    )
    return [AcceptedLetter(*row) for row in conn.execute(query)]
