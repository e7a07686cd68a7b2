"""Delivery events as received (webhook or suppression sync), each stored once; set-based queries
to store them and load a contact's history for the bounce policy (linking to the ledger:
mailer/store/event_links.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from mailer.core.errors import StorageError
from mailer.core.models import ContactStatus, DeliveryEvent, EventType
from mailer.store.bulk import IN_IDS, bind_rows, chunks, execute_many, insert_many
from mailer.store.tables import contact_history, contacts, events

__all__ = [
    "ContactState",
    "CounterUpdate",
    "contact_states",
    "insert_events",
    "load_histories",
    "update_counters",
]


def insert_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert rows (column -> value) once by sg_event_id; returns the ids actually inserted.

    ON CONFLICT DO NOTHING on both backends, so two concurrent POSTs of the same events (SendGrid
    retries) never fail or double. PostgreSQL: RETURNING tells which rows were new. SQLite: the
    ids already stored are read first and the rest go to the driver's executemany in one go
    (SQLAlchemy's per-row bind processing was the slowest part of a POST); should another
    writer have stored some of them in between, the row count gives it away and the whole
    transaction is refused (StorageError: the webhook answers 503 and SendGrid retries)."""
    if not rows:
        return set()
    if conn.dialect.name == "sqlite":
        return _insert_sqlite(conn, rows)
    stmt = (
        postgresql.insert(events)
        .on_conflict_do_nothing(index_elements=["sg_event_id"])
        .returning(events.c.sg_event_id)
    )
    return set(conn.execute(stmt, list(rows)).scalars())


# column names from the table definition, never from input
_COLUMNS = [c.name for c in events.columns if c.name != "id"]


def _insert_sqlite(conn: Connection, rows: Sequence[dict[str, Any]]) -> set[str]:
    existing: set[str] = set()
    query = sa.select(events.c.sg_event_id).where(events.c.sg_event_id.in_(IN_IDS))
    for chunk in chunks([r["sg_event_id"] for r in rows]):
        existing.update(conn.execute(query, {"ids": chunk}).scalars())
    new = [r for r in rows if r["sg_event_id"] not in existing]
    if not new:
        return set()
    written = insert_many(
        conn,
        "events",
        _COLUMNS,
        bind_rows(conn, events, _COLUMNS, new),
        on_conflict="ON CONFLICT (sg_event_id) DO NOTHING",
    )
    if written != len(new):
        raise StorageError("another writer stored some of these events at the same time; retry")
    return {r["sg_event_id"] for r in new}


# the policy reads `raw` only for these (asm_group_id): loading it for every event costs time
_RAW_NEEDED = (EventType.GROUP_UNSUBSCRIBE.value, EventType.GROUP_RESUBSCRIBE.value)


def load_histories(
    conn: Connection, contact_ids: Collection[int], types: Iterable[EventType]
) -> dict[int, list[DeliveryEvent]]:
    """Each contact's stored events of `types` (the ones the policy reads); `raw` is filled for
    group (un)subscribe events only."""
    histories: dict[int, list[DeliveryEvent]] = {cid: [] for cid in contact_ids}
    type_values = sorted(t.value for t in types)
    c = events.c
    raw = sa.case((c.event_type.in_(_RAW_NEEDED), c.raw), else_=sa.null()).label("raw")
    query = (
        sa.select(
            c.contact_id, c.sg_event_id, c.event_type, c.raw_type, c.email, c.occurred_at,
            c.sg_message_id, c.edition, c.reason, c.status, c.bounce_type, c.classification, raw,
        )
        # `event_type || ''`, not `event_type`: given a plain `event_type IN (...)`, SQLite's
        # planner (no ANALYZE statistics) prefers the event_type index and walks every delivered
        # event ever stored instead of this contact's few
        .where(c.contact_id.in_(IN_IDS), c.event_type.concat("").in_(type_values))
    )  # fmt: skip
    for chunk in chunks(contact_ids):
        for row in conn.execute(query, {"ids": chunk}):
            # stored rows were validated on the way in: construct without validating again
            histories[row.contact_id].append(
                DeliveryEvent.model_construct(
                    provider_event_id=row.sg_event_id,
                    event_type=EventType(row.event_type),
                    raw_type=row.raw_type,
                    email=row.email,
                    occurred_at=row.occurred_at,
                    provider_message_id=row.sg_message_id,
                    delivery_id=None,
                    edition=row.edition,
                    reason=row.reason,
                    status=row.status,
                    bounce_type=row.bounce_type,
                    classification=row.classification,
                    raw=row.raw or {},
                )
            )
    return histories


@dataclass(frozen=True)
class ContactState:
    id: int
    status: ContactStatus
    soft_streak: int
    last_delivered_at: datetime | None
    # the last time someone other than the policy made the contact active (reactivation):
    # evidence older than that no longer counts
    since: datetime | None
    # the current status is the policy's own doing (or plain active): the policy may change it
    policy_owned: bool


def contact_states(
    conn: Connection, contact_ids: Collection[int], policy_kinds: Collection[str]
) -> dict[int, ContactState]:
    states: dict[int, ContactState] = {}
    history = (
        sa.select(
            contact_history.c.contact_id,
            contact_history.c.kind,
            contact_history.c.new_status,
            contact_history.c.at,
        )
        .where(contact_history.c.contact_id.in_(IN_IDS), contact_history.c.new_status.is_not(None))
        .order_by(contact_history.c.at, contact_history.c.id)
    )
    query = sa.select(
        contacts.c.id, contacts.c.status, contacts.c.soft_streak, contacts.c.last_delivered_at
    ).where(contacts.c.id.in_(IN_IDS))
    for chunk in chunks(contact_ids):
        last_kind: dict[int, str] = {}
        since: dict[int, datetime] = {}
        for contact_id, kind, new_status, at in conn.execute(history, {"ids": chunk}):
            last_kind[contact_id] = kind
            if new_status == ContactStatus.ACTIVE and kind not in policy_kinds:
                since[contact_id] = at
        for cid, stored, streak, last_delivered in conn.execute(query, {"ids": chunk}):
            status = ContactStatus(stored)
            owned = status is ContactStatus.ACTIVE or last_kind.get(cid) in policy_kinds
            states[cid] = ContactState(cid, status, streak, last_delivered, since.get(cid), owned)
    return states


class CounterUpdate(NamedTuple):
    """A contact's bounce-policy counters, for `update_counters`."""

    contact_id: int
    soft_streak: int
    last_delivered_at: datetime | None
    updated_at: datetime


def update_counters(conn: Connection, changes: Sequence[CounterUpdate]) -> None:
    """The new counters of each contact whose counters moved."""
    if not changes:
        return
    params = [
        {"id": c, "soft_streak": s, "last_delivered_at": d, "updated_at": n}
        for c, s, d, n in changes
    ]
    if conn.dialect.name == "sqlite":  # the driver's executemany: see insert_events
        names = ["soft_streak", "last_delivered_at", "updated_at", "id"]
        execute_many(
            conn,
            "UPDATE contacts SET soft_streak = ?, last_delivered_at = ?, updated_at = ? "
            "WHERE id = ?",
            bind_rows(conn, contacts, names, params),
        )
        return
    stmt = (
        sa.update(contacts)
        .where(contacts.c.id == sa.bindparam("cid"))
        .values(
            soft_streak=sa.bindparam("streak"),
            last_delivered_at=sa.bindparam("delivered"),
            updated_at=sa.bindparam("now"),
        )
    )
    conn.execute(
        stmt,
        [{"cid": c, "streak": s, "delivered": d, "now": n} for c, s, d, n in changes],
    )
