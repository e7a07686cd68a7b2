"""The workspace dashboard's reads: a constant number of queries whatever the register's size
(every edition with its sent flag in one query, one edition's send figures in two)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from mailer.core.models import DeliveryState
from mailer.store.tables import deliveries, editions, events

__all__ = ["EditionRow", "SendFigures", "edition_rows", "latest_send_month", "send_figures"]

_d = deliveries.c


class EditionRow(NamedTuple):
    month: str
    sent_at: datetime | None  # the first complete send
    accepted: bool  # the ledger has accepted deliveries (sent to someone)


class SendFigures(NamedTuple):
    month: str
    planned: int
    accepted: int
    failed: int
    pending: int  # queued or sending
    delivered: int  # deliveries with a delivered event
    bounced: int
    dropped: int


def edition_rows(conn: sa.Connection) -> list[EditionRow]:
    """Every edition row, newest first; `accepted` is an index probe per edition (the ledger's
    edition index), never a scan of the ledger."""
    accepted = (
        sa.exists()
        .where(_d.edition == editions.c.month, _d.state == DeliveryState.ACCEPTED.value)
        .label("accepted")
    )
    query = sa.select(editions.c.month, editions.c.sent_at, accepted).order_by(
        editions.c.month.desc()
    )
    return [EditionRow(m, at, bool(a)) for m, at, a in conn.execute(query)]


def latest_send_month(conn: sa.Connection) -> str | None:
    """The newest edition with ledger rows (the edition index gives the maximum)."""
    return conn.execute(sa.select(sa.func.max(_d.edition))).scalar()


def send_figures(conn: sa.Connection, month: str) -> SendFigures:
    """Ledger states and delivery events of one edition, counted per delivery."""
    states: dict[str, int] = dict(
        conn.execute(
            sa.select(_d.state, sa.func.count()).where(_d.edition == month).group_by(_d.state)
        ).all()
    )
    seen: dict[str, int] = dict(
        conn.execute(
            sa.select(events.c.event_type, sa.func.count(sa.distinct(events.c.delivery_pk)))
            .join(deliveries, _d.id == events.c.delivery_pk)
            .where(_d.edition == month)
            .group_by(events.c.event_type)
        ).all()
    )
    pending = states.get(DeliveryState.QUEUED.value, 0) + states.get(DeliveryState.SENDING.value, 0)
    return SendFigures(
        month=month,
        planned=sum(states.values()),
        accepted=states.get(DeliveryState.ACCEPTED.value, 0),
        failed=states.get(DeliveryState.FAILED.value, 0),
        pending=pending,
        delivered=seen.get("delivered", 0),
        bounced=seen.get("bounce", 0),
        dropped=seen.get("dropped", 0),
    )
