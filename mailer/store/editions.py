"""Edition approval records: who approved which content, when, under which hash."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from mailer.core.models import DeliveryState
from mailer.store.tables import edition_approvals, editions

__all__ = [
    "Approval",
    "ensure_edition",
    "known_months",
    "latest_approval",
    "mark_sent",
    "record_approval",
    "sent_months",
]


class Approval(NamedTuple):
    month: str
    approved_by: str
    approved_at: datetime
    content_hash: str
    revision: int | None = None  # the approved revision's number (None: approved before 0004)


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
        )
    )
    return Approval(month, approved_by, at, content_hash, revision)


def latest_approval(conn: sa.Connection, month: str) -> Approval | None:
    row = conn.execute(
        sa.select(
            edition_approvals.c.month,
            edition_approvals.c.approved_by,
            edition_approvals.c.approved_at,
            edition_approvals.c.content_hash,
            edition_approvals.c.revision,
        )
        .where(edition_approvals.c.month == month)
        .order_by(edition_approvals.c.approved_at.desc(), edition_approvals.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else Approval(*row)


# A read-only view of the ledger (owned by delivery, mailer.store.ledger): only the columns these
# queries read, so that this module does not pull in the ledger's foreign-key graph.
_ledger = sa.table("deliveries", sa.column("edition", sa.String), sa.column("state", sa.String))


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


def mark_sent(conn: sa.Connection, month: str, at: datetime) -> None:
    """Record the edition's first complete send (a later one leaves the time alone)."""
    conn.execute(
        sa.update(editions)
        .where(editions.c.month == month, editions.c.sent_at.is_(None))
        .values(sent_at=at)
    )
