"""The send ledger: one row per (edition, contact), and the batches that carry them.

States: queued -> sending -> accepted | failed. A batch is claimed (rows -> `sending`) in its own
committed transaction before the provider is called, and finished (rows -> `accepted`/`failed`) in
another one after it, so a crash between the two leaves evidence (`sending`) instead of a guess.
Every query here runs in the caller's transaction; `mailer.pipeline.send.deliver` owns the
transactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.core.models import BatchState, ContactStatus, DeliveryState
from mailer.store.event_links import PROOF
from mailer.store.tables import IS_QUEUED, IS_SENDING, contacts, deliveries, events, send_batches

__all__ = [
    "BatchRecipient",
    "BatchRows",
    "RowOutcome",
    "SendingBatch",
    "batch_recipients",
    "claim_batch",
    "close_batch",
    "evidence_for_batches",
    "finish_batch",
    "finish_rows",
    "next_queued",
    "release_batch",
    "sending_batches",
    "state_counts",
]

_d = deliveries.c
_c = contacts.c
_b = send_batches.c


class BatchRecipient(NamedTuple):
    """A claimed ledger row with what stage 2 of rendering needs."""

    pk: int
    delivery_id: str
    token_key: str  # what the contact's unsubscribe link signs
    email: str
    first_name: str
    last_name: str
    organisation: str
    role: str
    title: str | None  # the roster's job title (the footer shows it for the role "other")


class BatchRows(NamedTuple):
    """A claimed batch's rows: the recipients, and the delivery ids of contacts erased since
    planning (nobody left to mail)."""

    recipients: list[BatchRecipient]
    erased: list[str]


class RowOutcome(NamedTuple):
    """One row's outcome for `finish_rows`."""

    delivery_id: str
    state: DeliveryState
    at: datetime
    message_id: str | None = None
    error: str | None = None


class SendingBatch(NamedTuple):
    """A batch with rows still in `sending`, and who claimed it when."""

    batch_id: str
    claimed_by: str | None
    sending_at: datetime | None
    rows: int


def _scope(stmt: Any, region: str | None, language: str | None) -> Any:
    if region is not None:
        stmt = stmt.where(_d.region == region)
    if language is not None:
        stmt = stmt.where(_d.language == language)
    return stmt


def state_counts(
    conn: Connection, edition: str, region: str | None, language: str | None
) -> dict[DeliveryState, int]:
    stmt = _scope(
        sa.select(_d.state, sa.func.count()).where(_d.edition == edition).group_by(_d.state),
        region,
        language,
    )
    return {DeliveryState(state): int(n) for state, n in conn.execute(stmt)}


# --- claiming and finishing batches ------------------------------------------------------------


def next_queued(edition: str, region: str, language: str, limit: int) -> sa.Select[tuple[int]]:
    """The ids of the next `limit` queued rows of one variant whose contact may still be mailed,
    lowest first: a walk along ix_deliveries_queued (the claim's hot query)."""
    return (
        sa.select(_d.id)
        .join(contacts, _c.id == _d.contact_id)
        .where(
            _d.edition == edition,
            IS_QUEUED,
            _d.region == region,
            _d.language == language,
            _c.status == ContactStatus.ACTIVE,
        )
        .order_by(_d.id)
        .limit(limit)
    )


def claim_batch(
    conn: Connection,
    *,
    batch_id: str,
    edition: str,
    region: str,
    language: str,
    limit: int,
    worker: str,
    now: datetime,
) -> int:
    """Move up to `limit` queued rows of one variant to `sending` under a new batch; returns how
    many. The caller commits before calling the provider.

    On SQLite one UPDATE whose subquery picks the rows: the statement is atomic under the single
    writer lock. On PostgreSQL the rows are first selected `FOR UPDATE SKIP LOCKED` (several
    senders claim disjoint rows without waiting for each other; the locks hold until commit),
    then updated; the `state = 'queued'` re-check guards both."""
    conn.execute(
        sa.insert(send_batches).values(
            id=batch_id,
            edition=edition,
            variant=f"{region}-{language}",
            state=BatchState.SENDING,
            size=0,
            attempts=1,
            claimed_by=worker[:100],
            created_at=now,
            sending_at=now,
        )
    )
    pick = next_queued(edition, region, language, limit)
    target: Any = pick.scalar_subquery()
    if conn.dialect.name == "postgresql":
        # Lock first, then update the locked ids: PostgreSQL may re-run a LIMIT subquery inside
        # an UPDATE's IN (...), claiming more than `limit` rows; a list cannot grow.
        target = list(conn.execute(pick.with_for_update(skip_locked=True, of=deliveries)).scalars())
    claimed = conn.execute(
        sa.update(deliveries)
        .where(_d.id.in_(target), _d.state == DeliveryState.QUEUED)
        .values(
            state=DeliveryState.SENDING,
            batch_id=batch_id,
            sending_at=now,
            attempts=_d.attempts + 1,
        )
    ).rowcount
    if claimed:
        conn.execute(sa.update(send_batches).where(_b.id == batch_id).values(size=claimed))
    else:
        conn.execute(sa.delete(send_batches).where(_b.id == batch_id))
    return int(claimed)


def batch_recipients(conn: Connection, batch_id: str) -> BatchRows:
    """The batch's rows with what stage 2 needs (the contact's token key for its unsubscribe
    link), in id order."""
    stmt = (
        sa.select(
            _d.id,
            _d.delivery_id,
            _c.token_key,
            _c.email,
            _c.first_name,
            _c.last_name,
            _c.organisation,
            _c.role,
            _c.title,
        )
        .select_from(deliveries.outerjoin(contacts, _c.id == _d.contact_id))
        .where(_d.batch_id == batch_id, _d.state == DeliveryState.SENDING)
        .order_by(_d.id)
    )
    rows = BatchRows([], [])
    for row in conn.execute(stmt):
        if row[3] is None:  # the contact's columns of an erased contact
            rows.erased.append(row[1])
        else:
            rows.recipients.append(BatchRecipient(*row))
    return rows


def finish_batch(
    conn: Connection,
    batch_id: str,
    *,
    state: DeliveryState,
    now: datetime,
    message_id: str | None = None,
    error: str | None = None,
) -> int:
    """Every row of the batch still in `sending` -> `state` (accepted / failed / queued), in one
    statement. `queued` puts rows back that provably never left (e.g. a 401)."""
    values: dict[str, Any] = {"state": state, "last_error": error}
    if state is DeliveryState.ACCEPTED:
        values.update(message_id=message_id, accepted_at=now)
    elif state is DeliveryState.FAILED:
        values["failed_at"] = now
    elif state is DeliveryState.QUEUED:
        values["batch_id"] = None
    rows = conn.execute(
        sa.update(deliveries)
        .where(_d.batch_id == batch_id, _d.state == DeliveryState.SENDING)
        .values(values)
    ).rowcount
    conn.execute(
        sa.update(send_batches)
        .where(_b.id == batch_id)
        .values(
            state=_BATCH_STATE[state],
            message_id=message_id,
            last_error=error,
            finished_at=now,
        )
    )
    return int(rows)


# a batch whose rows went back to the queue failed as a request
_BATCH_STATE = {
    DeliveryState.ACCEPTED: BatchState.ACCEPTED,
    DeliveryState.FAILED: BatchState.FAILED,
    DeliveryState.QUEUED: BatchState.FAILED,
    DeliveryState.SENDING: BatchState.SENDING,
}


def finish_rows(conn: Connection, batch_id: str, rows: Sequence[RowOutcome]) -> None:
    """Per-row outcomes, in one executemany."""
    if not rows:
        return
    stmt = (
        sa.update(deliveries)
        .where(
            _d.delivery_id == sa.bindparam("k_delivery_id"),
            _d.batch_id == sa.bindparam("k_batch_id"),
            _d.state == DeliveryState.SENDING,
        )
        .values(
            state=sa.bindparam("k_state"),
            message_id=sa.bindparam("k_message_id"),
            last_error=sa.bindparam("k_error"),
            accepted_at=sa.bindparam("k_accepted_at"),
            failed_at=sa.bindparam("k_failed_at"),
        )
    )
    conn.execute(
        stmt,
        [
            {
                "k_delivery_id": r.delivery_id,
                "k_batch_id": batch_id,
                "k_state": r.state,
                "k_message_id": r.message_id,
                "k_error": r.error,
                "k_accepted_at": r.at if r.state is DeliveryState.ACCEPTED else None,
                "k_failed_at": r.at if r.state is DeliveryState.FAILED else None,
            }
            for r in rows
        ],
    )


def close_batch(conn: Connection, batch_id: str, *, now: datetime) -> None:
    """Close a batch whose rows were finished one by one (their own states tell the outcome)."""
    conn.execute(
        sa.update(send_batches)
        .where(_b.id == batch_id)
        .values(state=BatchState.ACCEPTED, finished_at=now)
    )


def release_batch(conn: Connection, batch_id: str, error: str | None = None) -> None:
    """Leave a batch's rows in `sending` (its fate is unknown) but note why on the batch."""
    conn.execute(sa.update(send_batches).where(_b.id == batch_id).values(last_error=error))


# --- ambiguous batches ---------------------------------------------------------------------------


def sending_batches(
    conn: Connection, edition: str, region: str | None, language: str | None
) -> list[SendingBatch]:
    """Batches that still have rows in `sending`."""
    stmt = _scope(
        sa.select(_d.batch_id, _b.claimed_by, _b.sending_at, sa.func.count())
        .join(send_batches, _b.id == _d.batch_id)
        .where(_d.edition == edition, IS_SENDING)
        .group_by(_d.batch_id, _b.claimed_by, _b.sending_at),
        region,
        language,
    )
    return [SendingBatch(str(b), by, at, int(n)) for b, by, at, n in conn.execute(stmt)]


def evidence_for_batches(conn: Connection, batch_ids: Sequence[str]) -> dict[str, str | None]:
    """Batches that a stored delivery event proves were accepted -> the X-Message-Id the event
    carries (SendGrid's sg_message_id is `<X-Message-Id>.<suffix>`), if any.

    One request is accepted or refused as a whole (SendGrid answers once per request), so an
    event for any row of a batch proves every row of it; but only an event linked by our
    delivery id or by the batch's X-Message-Id: an event linked by address alone (a suppression
    list entry, an event without our custom_args) names the person, not this request."""
    if not batch_ids:
        return {}
    linked = (
        sa.select(_d.batch_id, sa.func.min(events.c.sg_message_id))
        .join(events, events.c.delivery_pk == _d.id)
        .where(_d.batch_id.in_(batch_ids), events.c.linked_by.in_([v.value for v in PROOF]))
        .group_by(_d.batch_id)
    )
    found: dict[str, str | None] = {}
    for batch_id, sg_message_id in conn.execute(linked):
        found[str(batch_id)] = str(sg_message_id).split(".", 1)[0] if sg_message_id else None
    by_prefix = (
        sa.select(_b.id, _b.message_id)
        .where(_b.id.in_(batch_ids), _b.message_id.is_not(None))
        .where(sa.exists().where(events.c.sg_message_id.like(_b.message_id.concat("%"))))
    )
    for batch_id, message_id in conn.execute(by_prefix):
        found.setdefault(str(batch_id), message_id)
    return found
