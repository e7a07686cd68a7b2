"""Delivery events in: store each once, link it to the ledger, let the bounce policy decide.

`ingest_events` serves the webhook (one transaction per POST) and `sync_suppressions` serves
`mailer bounces sync` (SendGrid's suppression lists turned into events with stable ids, so a
re-run stores nothing twice). Both are set-based: one bulk insert-ignore, three bulk link lookups
and the policy only for the contacts whose new events can change their standing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from mailer.core.bounces.policy import Evidence, classify
from mailer.core.errors import StorageError
from mailer.core.models import DeliveryEvent, EventType
from mailer.pipeline.bounce_policy import (
    POLICY_KIND,
    POLICY_TYPES,
    StatusChange,
    apply_policy,
    thresholds_from,
)
from mailer.pipeline.context import Context
from mailer.providers.sendgrid.events import parse_events
from mailer.store.event_links import link_events
from mailer.store.events import insert_events

if TYPE_CHECKING:
    from mailer.providers.sendgrid.suppressions import SuppressionLists

__all__ = [
    "POLICY_KIND",
    "POLICY_TYPES",
    "IngestReport",
    "StatusChange",
    "SuppressionSyncReport",
    "apply_policy",
    "ingest_events",
    "ingest_parsed",
    "sync_suppressions",
    "thresholds_from",
]

# SQLite has one writer: serialise this process's ingests so a read-then-write transaction never
# meets SQLITE_BUSY_SNAPSHOT (PostgreSQL needs no lock: ON CONFLICT DO NOTHING is enough)
_SQLITE_WRITER = threading.Lock()


class IngestReport(BaseModel):
    received: int = 0
    stored: int = 0
    duplicates: int = 0  # within the POST or already stored (replays)
    unknown: int = 0  # stored with an event type we do not know
    unlinked: int = 0  # stored without a contact or delivery to link to
    status_changes: int = 0
    changes: list[StatusChange] = Field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        for name in ("received", "stored", "duplicates", "unknown", "unlinked", "status_changes"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.changes.extend(other.changes)

    def summary(self) -> dict[str, int]:
        return self.model_dump(exclude={"changes"})


@contextmanager
def _writer(engine: Engine) -> Iterator[Connection]:
    # A driver failure becomes StorageError, which the webhook answers with 503 (SendGrid retries)
    # without the web layer knowing SQLAlchemy; the message is the class only, since a driver's
    # text can carry SQL parameters (addresses) or a DSN.
    try:
        if engine.dialect.name == "sqlite":
            with _SQLITE_WRITER, engine.begin() as conn:
                yield conn
        else:
            with engine.begin() as conn:
                yield conn
    except SQLAlchemyError as err:
        raise StorageError(f"storing events failed ({type(err).__name__})") from err


def ingest_events(
    ctx: Context, payload: list[dict[str, Any]], *, source: str = "webhook"
) -> IngestReport:
    """Store a webhook POST's events once each, link them, apply the policy: one transaction.
    Raises WebhookError if `payload` is not a list of objects (nothing stored then)."""
    return ingest_parsed(ctx, parse_events(payload, received_at=ctx.now()), source=source)


def ingest_parsed(
    ctx: Context, parsed: Sequence[DeliveryEvent], *, source: str = "webhook"
) -> IngestReport:
    """`ingest_events` for events already parsed (the webhook parses first to answer 400)."""
    now = ctx.now()
    thresholds = thresholds_from(ctx.settings.policy)
    unique: dict[str, DeliveryEvent] = {}
    for event in parsed:
        unique.setdefault(event.provider_event_id, event)
    batch = list(unique.values())
    report = IngestReport(received=len(parsed))
    with _writer(ctx.engine) as conn:
        links = link_events(conn, batch)
        rows = []
        for event, link in zip(batch, links, strict=True):
            rows.append(
                {
                    "sg_event_id": event.provider_event_id,
                    "event_type": event.event_type.value,
                    "raw_type": event.raw_type,
                    "email": event.email,
                    "occurred_at": event.occurred_at,
                    "received_at": now,
                    "source": source[:32],
                    "sg_message_id": event.provider_message_id,
                    "delivery_pk": link.delivery_pk,
                    "contact_id": link.contact_id,
                    "linked_by": link.via,
                    "edition": event.edition or link.edition,
                    "reason": event.reason,
                    "status": event.status,
                    "bounce_type": event.bounce_type,
                    "classification": event.classification,
                    # bounce evidence against the address (our-side bounces are not)
                    "counted": classify(event, thresholds) in (Evidence.HARD, Evidence.SOFT),
                    "raw": event.raw,
                }
            )
        inserted = insert_events(conn, rows)
        affected: set[int] = set()
        delivered: dict[int, datetime] = {}  # contact -> latest new delivery
        unknown = unlinked = 0
        for event, link in zip(batch, links, strict=True):
            if event.provider_event_id not in inserted:
                continue
            unknown += event.event_type is EventType.UNKNOWN
            unlinked += link.contact_id is None and link.delivery_pk is None
            if link.contact_id is not None and event.event_type in POLICY_TYPES:
                affected.add(link.contact_id)
                if event.event_type is EventType.DELIVERED:
                    seen = delivered.get(link.contact_id)
                    if seen is None or event.occurred_at > seen:
                        delivered[link.contact_id] = event.occurred_at
        only_delivered = dict(delivered)  # minus contacts with any other new policy event
        for event, link in zip(batch, links, strict=True):
            if (
                link.contact_id in only_delivered
                and event.event_type in POLICY_TYPES
                and event.event_type is not EventType.DELIVERED
                and event.provider_event_id in inserted
            ):
                del only_delivered[link.contact_id]
        report.changes = apply_policy(
            conn, affected, now, thresholds, only_delivered=only_delivered
        )
    report.unknown, report.unlinked = unknown, unlinked
    report.stored = len(inserted)
    report.duplicates = report.received - report.stored
    report.status_changes = len(report.changes)
    return report


# --- `mailer bounces sync`: SendGrid's suppression lists -------------------------------------


class SuppressionSyncReport(BaseModel):
    lists: dict[str, int] = Field(default_factory=dict)  # list -> entries fetched
    pages: int = 0
    ingest: IngestReport = Field(default_factory=IngestReport)


def sync_suppressions(
    ctx: Context,
    source: SuppressionLists | None = None,
    *,
    page_size: int = 500,
    lists: Sequence[str] = (),
) -> SuppressionSyncReport:
    """Page through SendGrid's suppression lists and feed each entry through the same store +
    policy as the webhook. Each page is its own transaction and every entry has a stable id, so
    an interrupted or repeated sync is safe to re-run. `source` is built from settings when None.
    """
    # imported here: the SendGrid SDK loads only when a sync runs (the webhook never needs it)
    from mailer.providers.sendgrid.suppressions import SuppressionList, SuppressionLists

    if source is None:
        source = SuppressionLists(ctx.settings)
    report = SuppressionSyncReport()
    for name in lists or [str(which) for which in SuppressionList]:
        report.lists[name] = 0
        for page in source.pages(name, page_size=page_size, clock=ctx.now):
            report.pages += 1
            report.lists[name] += page.entries
            report.ingest.add(ingest_parsed(ctx, page.events, source=f"suppression:{name}"))
    return report
