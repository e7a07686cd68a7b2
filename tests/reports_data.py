"""Test data for the report, admin and unsubscribe tests: rows written straight into the tables
(made-up people, addresses under .example), and a small scene with a known answer."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mailer.store.tables import (
    contact_history,
    contacts,
    deliveries,
    edition_approvals,
    editions,
    events,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_event_ids = itertools.count(1)


def add_contact(conn: Connection, email: str, **fields: Any) -> int:
    values: dict[str, Any] = {
        "email": email,
        "first_name": "Anna",
        "last_name": "Virtanen",
        "organisation": "Espoon kaupunki",
        "org_type": "municipality",
        "municipality": "049",
        "region": "hyks",
        "language": "fi",
        "role": "support",
        "status": "active",
        "soft_streak": 0,
        "created_at": T0 - timedelta(days=365),
        "updated_at": T0 - timedelta(days=365),
    }
    values.update(fields)
    return int(
        conn.execute(sa.insert(contacts).values(**values).returning(contacts.c.id)).scalar_one()
    )


def add_delivery(
    conn: Connection,
    contact_id: int | None,
    edition: str,
    *,
    region: str = "hyks",
    language: str = "fi",
    state: str = "accepted",
    accepted_at: datetime | None = None,
) -> int:
    queued = accepted_at or T0
    return int(
        conn.execute(
            sa.insert(deliveries)
            .values(
                delivery_id=str(uuid.uuid4()),
                edition=edition,
                contact_id=contact_id,
                email=None,
                region=region,
                language=language,
                state=state,
                queued_at=queued,
                accepted_at=accepted_at if state == "accepted" else None,
                failed_at=queued if state == "failed" else None,
            )
            .returning(deliveries.c.id)
        ).scalar_one()
    )


def add_event(
    conn: Connection,
    event_type: str,
    *,
    contact_id: int | None = None,
    delivery_pk: int | None = None,
    email: str | None = None,
    at: datetime = T0,
    **fields: Any,
) -> None:
    conn.execute(
        sa.insert(events).values(
            sg_event_id=f"evt-{next(_event_ids)}-{uuid.uuid4().hex[:8]}",
            event_type=event_type,
            raw_type=event_type,
            email=email,
            occurred_at=at,
            received_at=at,
            source="webhook",
            delivery_pk=delivery_pk,
            contact_id=contact_id,
            raw={"event": event_type},
            **fields,
        )
    )


def history_rows(engine: Engine, contact_id: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(contact_history)
            .where(contact_history.c.contact_id == contact_id)
            .order_by(contact_history.c.id)
        )
        return [dict(r) for r in rows.mappings()]


def status_of(engine: Engine, contact_id: int) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                sa.select(contacts.c.status).where(contacts.c.id == contact_id)
            ).scalar_one()
        )


@dataclass
class Scene:
    """Contacts with a known place in the bounce report."""

    stale: int  # hard-bounced, Espoo's only contact -> Espoo has no active contact
    suspect_streak: int  # active, soft failures in one edition (Vantaa)
    suspect_soft: int  # active, a blocked bounce after its last delivery (Kauniainen)
    healthy: int  # active, blocked bounce answered by a later delivery (Kauniainen)
    unsubscribed: int  # Porvoo's only contact, in Swedish -> Porvoo has no active contact
    other_region: int  # stale, in tyks (Turku)


def build_scene(engine: Engine) -> Scene:
    with engine.begin() as conn:
        stale = add_contact(
            conn,
            "anna.virtanen@espoo.example",
            status="stale",
            status_reason="hard bounce",
            status_changed_at=T0 + timedelta(days=1),
            last_delivered_at=T0 - timedelta(days=60),
        )
        d = add_delivery(conn, stale, "2026-03", accepted_at=T0)
        add_event(
            conn,
            "bounce",
            contact_id=stale,
            delivery_pk=d,
            email="anna.virtanen@espoo.example",
            at=T0 + timedelta(hours=1),
            status="5.1.1",
            reason="550 5.1.1 The email account does not exist",
            bounce_type="bounce",
            classification="Invalid Address",
            edition="2026-03",
        )
        suspect_streak = add_contact(
            conn,
            "mikko.korhonen@vantaa.example",
            first_name="Mikko",
            last_name="Korhonen",
            organisation="Vantaan kaupunki",
            municipality="092",
            role="welfare",
            soft_streak=1,
        )
        suspect_soft = add_contact(
            conn,
            "liisa.nieminen@kauniainen.example",
            first_name="Liisa",
            last_name="Nieminen",
            organisation="Kauniaisten kaupunki",
            municipality="235",
            last_delivered_at=T0 - timedelta(days=30),
        )
        add_event(
            conn,
            "bounce",
            contact_id=suspect_soft,
            at=T0 + timedelta(hours=2),
            status="4.7.1",
            reason="421 4.7.1 Try again later",
            bounce_type="blocked",
        )
        healthy = add_contact(
            conn,
            "olli.makinen@kauniainen.example",
            first_name="Olli",
            last_name="Mäkinen",
            organisation="Kauniaisten kaupunki",
            municipality="235",
            role="ecec",
            last_delivered_at=T0 + timedelta(days=3),
        )
        add_event(conn, "bounce", contact_id=healthy, at=T0, status="4.2.2", bounce_type="blocked")
        unsubscribed = add_contact(
            conn,
            "karin.lindqvist@borga.example",
            first_name="Karin",
            last_name="Lindqvist",
            organisation="Borgå stad",
            municipality="638",
            language="sv",
            status="unsubscribed",
            status_changed_at=T0 + timedelta(days=2),
        )
        other_region = add_contact(
            conn,
            "pekka.salo@turku.example",
            first_name="Pekka",
            last_name="Salo",
            organisation="Turun kaupunki",
            municipality="853",
            region="tyks",
            status="stale",
            status_changed_at=T0 + timedelta(days=1),
        )
        add_event(
            conn,
            "dropped",
            email="pekka.salo@turku.example",  # not linked by the webhook: matched by address
            at=T0 + timedelta(hours=3),
            reason="Bounced Address",
        )
        conn.execute(sa.insert(editions).values(month="2026-03", sent_at=T0, created_at=T0))
        conn.execute(
            sa.insert(edition_approvals).values(
                month="2026-03", approved_by="koordinaattori", approved_at=T0, content_hash="0" * 64
            )
        )
    return Scene(stale, suspect_streak, suspect_soft, healthy, unsubscribed, other_region)
