"""Test helpers for the event webhook: a key pair per test session, SendGrid-shaped events,
signed POSTs, and a hand-made ledger (contacts, batches, deliveries) to link events to."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from sqlalchemy.engine import Connection

from mailer.pipeline import Context
from mailer.providers.sendgrid.signature import generate_key_pair, signed_headers
from mailer.store.tables import contacts, deliveries, send_batches

# one key pair for the whole test session, made here (never a fixed key in the repository)
PRIVATE_KEY, PUBLIC_KEY = generate_key_pair()
NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def ts(value: datetime) -> int:
    return int(value.timestamp())


def sg_event(
    event: str,
    email: str,
    *,
    at: datetime = NOW,
    delivery_id: str | None = None,
    edition: str | None = None,
    sg_message_id: str | None = None,
    event_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One event as SendGrid posts it: our custom_args at top level (SendGrid docs, "Event
    Webhook Reference", unique arguments and custom arguments)."""
    body: dict[str, Any] = {
        "email": email,
        "timestamp": ts(at),
        "event": event,
        "sg_event_id": event_id or uuid.uuid4().hex[:22],
        "sg_message_id": sg_message_id or f"{uuid.uuid4().hex[:22]}.filterdrecv-1-0-0",
    }
    if delivery_id:
        body["delivery_id"] = delivery_id
    if edition:
        body["edition"] = edition
    body.update(extra)
    return body


def signed(
    payload: bytes, *, key: ec.EllipticCurvePrivateKey = PRIVATE_KEY, now: float | None = None
) -> dict[str, str]:
    return signed_headers(key, payload, now=time.time() if now is None else now)


def post_events(client: Any, events: list[dict[str, Any]] | bytes, **sign: Any) -> Any:
    """POST a signed body to the webhook through an in-process client (TestClient)."""
    body = events if isinstance(events, bytes) else json.dumps(events).encode("utf-8")
    return client.post("/webhooks/sendgrid", content=body, headers=signed(body, **sign))


def seed_contact(conn: Connection, email: str, *, status: str = "active", **extra: Any) -> int:
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
        "status": status,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(extra)
    return int(conn.execute(sa.insert(contacts).values(**values)).inserted_primary_key[0])


def seed_batch(conn: Connection, edition: str, message_id: str) -> str:
    batch_id = str(uuid.uuid4())
    conn.execute(
        sa.insert(send_batches).values(
            id=batch_id,
            edition=edition,
            variant="hyks-fi",
            state="accepted",
            size=1,
            message_id=message_id,
            created_at=NOW,
        )
    )
    return batch_id


def seed_delivery(
    conn: Connection,
    contact_id: int,
    edition: str,
    *,
    email: str | None = None,
    message_id: str | None = None,
    batch_id: str | None = None,
) -> tuple[int, str]:
    """A ledger row in state accepted; returns (deliveries.id, our delivery_id)."""
    delivery_id = str(uuid.uuid4())
    if email is None:
        email = conn.execute(
            sa.select(contacts.c.email).where(contacts.c.id == contact_id)
        ).scalar_one()
    pk = conn.execute(
        sa.insert(deliveries).values(
            delivery_id=delivery_id,
            edition=edition,
            contact_id=contact_id,
            email=email,
            region="hyks",
            language="fi",
            state="accepted",
            batch_id=batch_id,
            message_id=message_id,
            queued_at=NOW,
            accepted_at=NOW,
        )
    ).inserted_primary_key[0]
    return int(pk), delivery_id


@dataclass
class ClockedContext(Context):
    """A Context whose clock stands still at `clock` (the pipeline's one clock is ctx.now())."""

    clock: datetime = NOW

    def now(self) -> datetime:
        return self.clock


class InProcessClient:
    """The app in-process over httpx's ASGI transport, with its lifespan run on entry (so the
    start-up checks run as under uvicorn). Starlette's TestClient would need `httpx2`."""

    def __init__(self, app: FastAPI, *, lifespan: bool = True) -> None:
        self._app = app
        self._lifespan = app.router.lifespan_context(app) if lifespan else None
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("192.0.2.10", 40000)),
            base_url="http://testserver",
        )

    def __enter__(self) -> InProcessClient:
        try:
            if self._lifespan is not None:
                self._loop.run_until_complete(self._lifespan.__aenter__())
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._lifespan is not None:
                self._loop.run_until_complete(self._lifespan.__aexit__(None, None, None))
        finally:
            self._close()

    def _close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._client.post(url, **kwargs))
