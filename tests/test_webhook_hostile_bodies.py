"""Signed webhook bodies that json.loads alone turns into a 500 (so SendGrid retries for 24 hours,
then drops the batch): deep nesting, huge or non-finite numbers answer 400 and store nothing;
lone UTF-16 surrogates are removed (as NUL is) and the events are stored, on both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mailer.config import Settings
from mailer.pipeline import Context
from mailer.store.tables import events
from mailer.web.app import create_app
from tests.fakes.webhook_client import PUBLIC_KEY, InProcessClient, post_events, sg_event

ANNA = "anna.virtanen@espoo.example"


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[InProcessClient]:
    signed = settings.model_copy(update={"sendgrid_webhook_public_key": PUBLIC_KEY})
    with InProcessClient(create_app(signed, Context(signed, engine))) as test_client:
        yield test_client


def _stored(engine: Engine) -> list[sa.Row[tuple[str | None, str | None, str | None]]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(events.c.email, events.c.reason, events.c.raw_type)))


def _event(extra: str) -> bytes:
    return b'[{"event": "bounce", "email": "' + ANNA.encode() + b'", ' + extra.encode() + b"}]"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
        (b"[" * 40 + b"{}" + b"]" * 40, "nested deeper"),
        (_event('"timestamp": ' + "9" * 5000), "number"),
        (_event('"timestamp": 1e999'), "out of range"),
        (_event('"timestamp": -Infinity'), "not a JSON number"),
    ],
    ids=["100k-deep", "41-deep", "5000-digit", "1e999", "-Infinity"],
)
def test_a_body_that_cannot_be_parsed_safely_is_a_400_and_stores_nothing(
    client: InProcessClient, engine: Engine, body: bytes, message: str
) -> None:
    response = post_events(client, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert _stored(engine) == []


def test_lone_surrogates_are_removed_and_the_events_stored(
    client: InProcessClient, engine: Engine
) -> None:
    escaped = _event('"reason": "5.1.1 \\ud800unknown", "sg_event_id": "e1", "x\\udfff": 1')
    pair = json.dumps([sg_event("bounce", ANNA, reason="täysi 😀", event_id="e3")]).encode()
    for body in (escaped, pair):
        assert post_events(client, body).status_code == 200
    assert sorted(r.reason or "" for r in _stored(engine)) == ["5.1.1 unknown", "täysi 😀"]


def test_surrogate_bytes_in_the_body_are_removed_too(
    client: InProcessClient, engine: Engine
) -> None:
    body = _event('"reason": "550 ').replace(b"}]", b"") + b'\xed\xa0\x80gone"}]'
    assert post_events(client, body).status_code == 200
    assert [r.reason for r in _stored(engine)] == ["550 gone"]
