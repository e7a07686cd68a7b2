"""Ledger queries of planning: which contacts are in scope, which already have a row for the
edition, and bulk-inserting the new rows (the states: mailer.store.ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.core.models import ContactStatus, DeliveryState
from mailer.store.bulk import bind_value, chunks, insert_many
from mailer.store.tables import contacts, deliveries

__all__ = [
    "PLANNED_COLUMNS",
    "CandidateRow",
    "insert_planned",
    "new_per_variant",
    "plan_candidate_chunk",
    "planned_states",
    "requeue_failed",
    "variant_states",
    "withdraw_queued",
]

_d = deliveries.c
_c = contacts.c
# the state column's text -> its enum member, by a dict lookup (a million Enum() calls cost a
# second when a re-run reads back every planned row)
_STATES = {state.value: state for state in DeliveryState}
_STATUSES = {status.value: status for status in ContactStatus}


class CandidateRow(NamedTuple):
    """A contact as planning reads it from the register."""

    id: int
    region: str
    language: str
    status: ContactStatus
    email: str
    paused: bool  # missing from their roster while missing contacts are paused


def plan_candidate_chunk(
    conn: Connection,
    *,
    after: int,
    region: str | None,
    language: str | None,
    chunk: int = 10_000,
    pause_missing: bool = False,
) -> list[CandidateRow]:
    """The next `chunk` contacts in scope with id > `after`, in id order. Keyset pagination:
    memory stays flat for a million contacts and no cursor has to stay open between the
    planner's transactions. With `pause_missing`, a contact missing from their roster is
    `paused` (not mailed while the setting says so)."""
    paused: Any = _c.missing_since.is_not(None) if pause_missing else sa.false()
    stmt = (
        sa.select(_c.id, _c.region, _c.language, _c.status, _c.email, paused)
        .where(_c.id > after)
        .order_by(_c.id)
        .limit(chunk)
    )
    if region is not None:
        stmt = stmt.where(_c.region == region)
    if language is not None:
        stmt = stmt.where(_c.language == language)
    statuses = _STATUSES
    return [
        CandidateRow(id_, region, language, statuses[status], email, bool(paused))
        for id_, region, language, status, email, paused in conn.execute(stmt)
    ]


def new_per_variant(
    conn: Connection, edition: str, *, pause_missing: bool = False
) -> dict[tuple[str, str], int]:
    """(region, language) -> how many contacts a plan would add now: active (and, with
    `pause_missing`, not missing from their roster) and without a ledger row for the edition.
    The count `core.delivery.plan.plan_deliveries` arrives at contact by contact, done by the
    database for the send page's dry run (tests hold the two equal)."""
    planned = sa.select(_d.id).where(_d.edition == edition, _d.contact_id == _c.id).exists()
    stmt = (
        sa.select(_c.region, _c.language, sa.func.count())
        .where(_c.status == ContactStatus.ACTIVE.value, ~planned)
        .group_by(_c.region, _c.language)
    )
    if pause_missing:
        stmt = stmt.where(_c.missing_since.is_(None))
    return {(region, language): int(n) for region, language, n in conn.execute(stmt)}


def planned_states(conn: Connection, edition: str, lo: int, hi: int) -> dict[int, DeliveryState]:
    """contact id -> ledger state, for the edition's rows of contacts lo..hi."""
    stmt = sa.select(_d.contact_id, _d.state).where(
        _d.edition == edition, _d.contact_id.between(lo, hi)
    )
    return {int(cid): _STATES[state] for cid, state in conn.execute(stmt)}


PLANNED_COLUMNS = (
    "delivery_id",
    "edition",
    "contact_id",
    "email",
    "region",
    "language",
    "state",
    "attempts",
    "queued_at",
)


def insert_planned(
    conn: Connection, rows: Sequence[tuple[Any, ...]], *, queued_at: datetime
) -> None:
    """Bulk-insert planned rows, tuples of PLANNED_COLUMNS without `queued_at` (the same for the
    whole chunk). A row that exists already (unique edition + contact, e.g. a concurrent
    planner) is left alone, so planning twice is harmless.

    Straight to the driver's executemany: SQLAlchemy's per-row parameter processing costs more
    than SQLite's insert itself at a million rows. The shared timestamp goes through the
    column type's own bind processor once, so it is stored exactly as SQLAlchemy would."""
    if not rows:
        return
    stamp = bind_value(conn, deliveries.c.queued_at, queued_at)
    insert_many(
        conn,
        "deliveries",
        PLANNED_COLUMNS,
        [(*row, stamp) for row in rows],
        on_conflict="ON CONFLICT (edition, contact_id) DO NOTHING",
    )


def withdraw_queued(conn: Connection, edition: str, contact_ids: Sequence[int]) -> int:
    """Remove queued (never sent) rows of contacts that may no longer be mailed."""
    removed = 0
    for part in chunks(contact_ids):
        result = conn.execute(
            sa.delete(deliveries).where(
                _d.edition == edition, _d.state == DeliveryState.QUEUED, _d.contact_id.in_(part)
            )
        )
        removed += result.rowcount
    # Erased contacts leave rows without a contact: a queued one can never be sent.
    result = conn.execute(
        sa.delete(deliveries).where(
            _d.edition == edition, _d.state == DeliveryState.QUEUED, _d.contact_id.is_(None)
        )
    )
    return removed + result.rowcount


def requeue_failed(conn: Connection, edition: str, region: str | None, language: str | None) -> int:
    """Failed rows get another chance in a new run (a re-run sends what is not yet accepted)."""
    stmt = sa.update(deliveries).where(_d.edition == edition, _d.state == DeliveryState.FAILED)
    if region is not None:
        stmt = stmt.where(_d.region == region)
    if language is not None:
        stmt = stmt.where(_d.language == language)
    return conn.execute(stmt.values(state=DeliveryState.QUEUED, batch_id=None)).rowcount


def variant_states(
    conn: Connection, edition: str
) -> dict[tuple[str, str], dict[DeliveryState, int]]:
    """The edition's ledger rows per (region, language) and state, in one grouped query (the
    send page's progress)."""
    stmt = (
        sa.select(_d.region, _d.language, _d.state, sa.func.count())
        .where(_d.edition == edition)
        .group_by(_d.region, _d.language, _d.state)
    )
    found: dict[tuple[str, str], dict[DeliveryState, int]] = {}
    for region, language, state, n in conn.execute(stmt):
        found.setdefault((region, language), {})[_STATES[state]] = int(n)
    return found
