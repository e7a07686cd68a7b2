"""Edition approval records: who approved which content, when, under which hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from mailer.core.models import DeliveryState
from mailer.store.base import UTCDateTime
from mailer.store.tables import edition_approvals, editions

__all__ = [
    "Approval",
    "ensure_edition",
    "is_sent",
    "known_months",
    "latest_approval",
    "latest_approvals",
    "mark_sent",
    "record_approval",
    "record_sent_revision",
    "sent_editions",
    "sent_months",
    "withdraw_approval",
]


class SentEdition(NamedTuple):
    """An edition as the public archive lists it: the revision that went out, and when."""

    month: str
    revision: int
    published_at: datetime


class Approval(NamedTuple):
    month: str
    approved_by: str
    approved_at: datetime
    content_hash: str
    revision: int | None = None  # the approved revision's number (None: approved before 0004)
    override_reason: str | None = None  # approved despite overridable check problems: why
    overridden: tuple[str, ...] = ()  # those problems, as the check said them
    note: str | None = None  # the approver's note
    single_person: bool = False  # the approver also saved the revision (allowed by a setting)
    unapproved_by: str | None = None  # withdrawn: by whom and when (the edition is a draft)
    unapproved_at: datetime | None = None


def ensure_edition(conn: sa.Connection, month: str, at: datetime) -> None:
    """Make sure the edition has its row."""
    exists = conn.execute(sa.select(editions.c.id).where(editions.c.month == month)).first()
    if exists is None:
        conn.execute(sa.insert(editions).values(month=month, created_at=at))


def record_approval(
    conn: sa.Connection,
    *,
    month: str,
    approved_by: str,
    at: datetime,
    content_hash: str,
    revision: int | None = None,
    override_reason: str | None = None,
    overridden: tuple[str, ...] = (),
    note: str | None = None,
    single_person: bool = False,
) -> Approval:
    """Append an approval (the history is kept; the latest one counts) and make sure the
    edition has its row."""
    ensure_edition(conn, month, at)
    conn.execute(
        sa.insert(edition_approvals).values(
            month=month,
            approved_by=approved_by,
            approved_at=at,
            content_hash=content_hash,
            revision=revision,
            override_reason=override_reason,
            overridden="\n".join(overridden) or None,
            note=note,
            single_person=single_person,
        )
    )
    return Approval(
        month,
        approved_by,
        at,
        content_hash,
        revision,
        override_reason,
        overridden,
        note,
        single_person,
    )


def withdraw_approval(conn: sa.Connection, month: str, *, by: str, at: datetime) -> bool:
    """Mark the month's latest approval withdrawn; False when there is none in force."""
    latest = _approval_query().where(_a.month == month).limit(1).subquery()
    result = conn.execute(
        sa.update(edition_approvals)
        .where(
            edition_approvals.c.id == sa.select(latest.c.id).scalar_subquery(),
            edition_approvals.c.unapproved_at.is_(None),
        )
        .values(unapproved_by=by, unapproved_at=at)
    )
    return bool(result.rowcount)


_a = edition_approvals.c


def _approval_query() -> sa.Select[Any]:
    return sa.select(
        _a.id,
        _a.month,
        _a.approved_by,
        _a.approved_at,
        _a.content_hash,
        _a.revision,
        _a.override_reason,
        _a.overridden,
        _a.note,
        _a.single_person,
        _a.unapproved_by,
        _a.unapproved_at,
    ).order_by(_a.approved_at.desc(), _a.id.desc())


def _approval(row: Any) -> Approval:
    overridden = tuple(row.overridden.split("\n")) if row.overridden else ()
    return Approval(
        month=row.month,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        content_hash=row.content_hash,
        revision=row.revision,
        override_reason=row.override_reason,
        overridden=overridden,
        note=row.note,
        single_person=bool(row.single_person),
        unapproved_by=row.unapproved_by,
        unapproved_at=row.unapproved_at,
    )


def latest_approval(conn: sa.Connection, month: str) -> Approval | None:
    row = conn.execute(_approval_query().where(_a.month == month).limit(1)).first()
    return None if row is None else _approval(row)


def latest_approvals(conn: sa.Connection) -> dict[str, Approval]:
    """Every month's latest approval, in one query (the dashboard lists all editions)."""
    newest = sa.select(_a.month, sa.func.max(_a.id).label("id")).group_by(_a.month).subquery()
    query = _approval_query().join(newest, newest.c.id == _a.id)
    return {row.month: _approval(row) for row in conn.execute(query)}


# A read-only view of the ledger (owned by delivery, mailer.store.ledger): only the columns these
# queries read, so that this module does not pull in the ledger's foreign-key graph.
_ledger = sa.table(
    "deliveries",
    sa.column("edition", sa.String),
    sa.column("state", sa.String),
    sa.column("accepted_at", UTCDateTime),
)


def known_months(conn: sa.Connection) -> set[str]:
    """Every month the database knows of: editions, approvals, ledger rows."""
    found: set[str] = set()
    for column in (editions.c.month, edition_approvals.c.month, _ledger.c.edition):
        found.update(conn.execute(sa.select(column).distinct()).scalars())
    return found


def sent_months(conn: sa.Connection) -> set[str]:
    """Months that have gone out: the ledger has accepted deliveries, or `sent_at` is set.

    Read-only on the ledger (owned by delivery)."""
    accepted = sa.select(_ledger.c.edition).where(_ledger.c.state == DeliveryState.ACCEPTED.value)
    marked = sa.select(editions.c.month).where(editions.c.sent_at.is_not(None))
    return set(conn.execute(accepted.distinct()).scalars()) | set(
        conn.execute(marked.distinct()).scalars()
    )


def is_sent(conn: sa.Connection, month: str) -> bool:
    """One month of `sent_months`, answered by two indexed lookups that stop at the first row
    (the ledger's unique (edition, contact_id) index), instead of reading every accepted row of
    every edition: a page showing a few editions' states stays fast at millions of rows."""
    marked = sa.exists().where(editions.c.month == month, editions.c.sent_at.is_not(None))
    accepted = sa.exists().where(
        _ledger.c.edition == month, _ledger.c.state == DeliveryState.ACCEPTED.value
    )
    return bool(conn.execute(sa.select(sa.or_(marked, accepted))).scalar())


def mark_sent(conn: sa.Connection, month: str, at: datetime) -> None:
    """Record the edition's first complete send (a later one leaves the time alone)."""
    conn.execute(
        sa.update(editions)
        .where(editions.c.month == month, editions.c.sent_at.is_(None))
        .values(sent_at=at)
    )


def record_sent_revision(conn: sa.Connection, month: str, revision: int) -> bool:
    """Record the revision the edition's first accepted deliveries used, once: a later send of a
    newer revision leaves it alone, so the public archive never changes after the fact. Does
    nothing (False) while the ledger has no accepted delivery of the month."""
    accepted = sa.exists().where(
        _ledger.c.edition == month, _ledger.c.state == DeliveryState.ACCEPTED.value
    )
    result = conn.execute(
        sa.update(editions)
        .where(editions.c.month == month, editions.c.sent_revision.is_(None), accepted)
        .values(sent_revision=revision)
    )
    return bool(result.rowcount)


def sent_editions(conn: sa.Connection) -> list[SentEdition]:
    """Editions with a recorded sent revision, newest month first; published at the first
    accepted delivery (or `sent_at`, or when the edition row was made, for older data)."""
    first = (
        sa.select(_ledger.c.edition, sa.func.min(_ledger.c.accepted_at).label("first"))
        .where(_ledger.c.state == DeliveryState.ACCEPTED.value)
        .group_by(_ledger.c.edition)
        .subquery()
    )
    rows = conn.execute(
        sa.select(
            editions.c.month,
            editions.c.sent_revision,
            first.c.first,
            editions.c.sent_at,
            editions.c.created_at,
        )
        .select_from(editions.outerjoin(first, first.c.edition == editions.c.month))
        .where(editions.c.sent_revision.is_not(None))
        .order_by(editions.c.month.desc())
    ).all()
    return [
        SentEdition(row.month, row.sent_revision, row.first or row.sent_at or row.created_at)
        for row in rows
    ]
