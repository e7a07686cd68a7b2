"""Queries of the inbound mail record (table `inbound_messages`, see store/tables/register.py)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.core.inbound import InboundMail, InboundOutcome
from mailer.store.tables import inbound_messages

__all__ = ["InboundRecord", "list_messages", "mark_handled", "record_message"]


class InboundRecord(NamedTuple):
    id: int
    received_at: datetime
    outcome: InboundOutcome
    reason: str | None
    contact_id: int | None
    sender: str
    envelope_from: str
    recipient: str
    subject: str
    text: str
    handled_at: datetime | None
    handled_by: str | None
    note: str | None


def record_message(
    conn: Connection,
    mail: InboundMail,
    *,
    outcome: InboundOutcome,
    at: datetime,
    reason: str | None = None,
    contact_id: int | None = None,
) -> int:
    values = {**mail._asdict(), "outcome": outcome.value, "reason": reason}
    result = conn.execute(
        sa.insert(inbound_messages)
        .values(**values, received_at=at, contact_id=contact_id)
        .returning(inbound_messages.c.id)
    )
    return int(result.scalar_one())


def list_messages(conn: Connection, *, open_only: bool, limit: int) -> list[InboundRecord]:
    """Newest first; `open_only` keeps the kept messages nobody has handled yet."""
    query = sa.select(*inbound_messages.c).order_by(
        inbound_messages.c.received_at.desc(), inbound_messages.c.id.desc()
    )
    if open_only:
        query = query.where(
            inbound_messages.c.outcome == InboundOutcome.KEPT.value,
            inbound_messages.c.handled_at.is_(None),
        )
    rows = conn.execute(query.limit(limit))
    return [
        InboundRecord(**{**row._mapping, "outcome": InboundOutcome(row.outcome)}) for row in rows
    ]


def mark_handled(conn: Connection, message_id: int, *, at: datetime, by: str, note: str) -> bool:
    """Close a kept message; False when there is no such open message."""
    result = conn.execute(
        sa.update(inbound_messages)
        .where(inbound_messages.c.id == message_id, inbound_messages.c.handled_at.is_(None))
        .values(handled_at=at, handled_by=by, note=note)
    )
    return result.rowcount == 1
