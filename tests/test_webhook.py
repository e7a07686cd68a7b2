"""POST /webhooks/sendgrid in-process: signed payloads made here, every type, every refusal."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sendgrid import SendGridAPIClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from mailer.cli import app as cli_app
from mailer.config import Settings
from mailer.core.errors import ConfigError
from mailer.core.models import EventType
from mailer.pipeline import Context
from mailer.providers.sendgrid.signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    generate_key_pair,
)
from mailer.store.base import create_db_engine
from mailer.store.tables import contacts, deliveries, events
from mailer.web.app import create_app
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.fakes.webhook_client import (
    PUBLIC_KEY,
    InProcessClient,
    post_events,
    seed_contact,
    seed_delivery,
    sg_event,
    signed,
)

ANNA = "anna.virtanen@espoo.example"


@pytest.fixture
def signed_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"sendgrid_webhook_public_key": PUBLIC_KEY})


@pytest.fixture
def client(signed_settings: Settings, engine: Engine) -> Iterator[InProcessClient]:
    with InProcessClient(
        create_app(signed_settings, Context(signed_settings, engine))
    ) as test_client:
        yield test_client


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one())


def _every_type(delivery_id: str) -> list[dict[str, Any]]:
    common = {"delivery_id": delivery_id, "edition": "2026-06"}
    return [
        sg_event("processed", ANNA, **common),
        sg_event("deferred", ANNA, response="421 4.7.0 try again later", attempt="1", **common),
        sg_event("delivered", ANNA, response="250 OK", **common),
        sg_event("open", ANNA, useragent="Mozilla/5.0", ip="192.0.2.1", **common),
        sg_event("click", ANNA, url="https://vip-verkosto.example/tapahtumat", **common),
        sg_event(
            "bounce",
            ANNA,
            type="blocked",
            status="4.7.1",
            bounce_classification="Reputation",
            **common,
        ),
        sg_event("dropped", ANNA, reason="Invalid SMTPAPI header", status="5.0.0", **common),
        sg_event("spamreport", ANNA, **common),
        sg_event("unsubscribe", ANNA, **common),
        sg_event("group_unsubscribe", ANNA, asm_group_id=5, **common),
        sg_event("group_resubscribe", ANNA, asm_group_id=5, **common),
        sg_event("account_status_change", ANNA, **common),
    ]


def test_a_signed_post_with_every_event_type_stores_each_once(
    client: InProcessClient, engine: Engine
) -> None:
    with engine.begin() as conn:
        cid = seed_contact(conn, ANNA)
        _, delivery_id = seed_delivery(conn, cid, "2026-06")
    payload = _every_type(delivery_id)
    response = post_events(client, payload)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "received": 12, "stored": 12, "duplicates": 0, "unknown": 1, "unlinked": 0,
        "status_changes": 1,
    }  # fmt: skip
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.select(events.c.raw_type, events.c.event_type)).all())
        status = conn.execute(sa.select(contacts.c.status).where(contacts.c.id == cid)).scalar_one()
    assert stored == {
        e["event"]: EventType(e["event"]).value
        if e["event"] in EventType._value2member_map_
        else "unknown"
        for e in payload
    }
    assert status == "unsubscribed"


def test_duplicates_in_a_post_and_a_replayed_post_change_nothing(
    client: InProcessClient, engine: Engine
) -> None:
    event = sg_event("bounce", "someone@elsewhere.example", type="bounce", status="5.1.1")
    body = json.dumps([event, event, sg_event("open", ANNA)]).encode()
    first = client.post("/webhooks/sendgrid", content=body, headers=signed(body))
    assert first.json()["stored"] == 2
    assert first.json()["duplicates"] == 1
    # SendGrid retries with a fresh timestamp and signature over the same body
    replay = client.post(
        "/webhooks/sendgrid", content=body, headers=signed(body, now=time.time() + 1)
    )
    assert replay.status_code == 200
    assert (replay.json()["stored"], replay.json()["duplicates"]) == (0, 3)
    assert _count(engine) == 2


def test_a_forged_signature_is_refused_and_nothing_stored(
    client: InProcessClient, engine: Engine
) -> None:
    forger, _ = generate_key_pair()
    response = post_events(client, [sg_event("unsubscribe", ANNA)], key=forger)
    assert response.status_code == 403
    assert _count(engine) == 0


@pytest.mark.parametrize("drop", [SIGNATURE_HEADER, TIMESTAMP_HEADER])
def test_a_missing_signature_header_is_refused(
    client: InProcessClient, engine: Engine, drop: str
) -> None:
    body = json.dumps([sg_event("unsubscribe", ANNA)]).encode()
    headers = {k: v for k, v in signed(body).items() if k != drop}
    assert client.post("/webhooks/sendgrid", content=body, headers=headers).status_code == 403
    assert _count(engine) == 0


def test_a_body_changed_after_signing_is_refused(client: InProcessClient, engine: Engine) -> None:
    body = json.dumps([sg_event("delivered", ANNA)]).encode()
    headers = signed(body)
    tampered = body.replace(b"delivered", b"spamreport")
    assert client.post("/webhooks/sendgrid", content=tampered, headers=headers).status_code == 403
    assert _count(engine) == 0


@pytest.mark.parametrize("skew", [-3600, 3600])
def test_a_stale_or_future_timestamp_is_refused(
    client: InProcessClient, engine: Engine, skew: int
) -> None:
    response = post_events(client, [sg_event("delivered", ANNA)], now=time.time() + skew)
    assert response.status_code == 403
    assert "signature refused" in response.json()["error"]
    assert _count(engine) == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'[{"event": "delivered", ', "not valid JSON"),
        (b'{"event": "delivered", "email": "anna.virtanen@espoo.example"}', "JSON array"),
        (b'[{"event": "open"}, 7]', r"event [1]"),
        (b"", "not valid JSON"),
    ],
)
def test_a_body_that_is_not_a_json_array_of_objects_is_a_400(
    client: InProcessClient, engine: Engine, body: bytes, message: str
) -> None:
    response = post_events(client, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert _count(engine) == 0


def test_an_oversized_body_is_a_413(signed_settings: Settings, engine: Engine) -> None:
    small = signed_settings.model_copy(update={"webhook_max_body": 4096})
    with InProcessClient(create_app(small, Context(small, engine))) as client:
        payload = [sg_event("open", ANNA, useragent="x" * 200) for _ in range(30)]
        assert post_events(client, payload).status_code == 413

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while reading
            yield b"[" + b" " * 4000
            yield b" " * 4000 + b"]"

        response = client.post("/webhooks/sendgrid", content=chunks(), headers=signed(b"[]"))
        assert response.status_code == 413
        assert post_events(client, payload[:3]).status_code == 200
    assert _count(engine) == 3


def test_a_database_failure_is_a_503_so_sendgrid_retries(
    signed_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    down = "postgresql+psycopg://mailer:secret-pw@127.0.0.1:1/mailer?connect_timeout=2"
    settings = signed_settings.model_copy(update={"database_url": down})
    engine = create_db_engine(down)
    with InProcessClient(create_app(settings, Context(settings, engine))) as client:
        response = post_events(client, [sg_event("delivered", ANNA)])
    engine.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "secret-pw" not in caplog.text
    assert "503" in caplog.text


def test_the_app_refuses_to_start_without_a_public_key(settings: Settings, engine: Engine) -> None:
    app = create_app(settings, Context(settings, engine))
    with (
        pytest.raises(ConfigError, match="MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY"),
        InProcessClient(app),
    ):
        pass


def test_the_app_refuses_to_start_with_a_broken_public_key(
    settings: Settings, engine: Engine
) -> None:
    broken = settings.model_copy(update={"sendgrid_webhook_public_key": "bm90IGEga2V5"})
    with (
        pytest.raises(ConfigError, match="DER"),
        InProcessClient(create_app(broken, Context(broken, engine))),
    ):
        pass


def test_unsigned_development_mode_warns_loudly_and_accepts_posts(
    settings: Settings, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    dev = settings.model_copy(update={"webhook_unsigned_dev": True})
    with (
        caplog.at_level(logging.WARNING),
        InProcessClient(create_app(dev, Context(dev, engine))) as client,
    ):
        body = json.dumps([sg_event("open", ANNA)]).encode()
        response = client.post("/webhooks/sendgrid", content=body)
    assert "UNSIGNED WEBHOOK" in caplog.text
    assert response.status_code == 200
    assert _count(engine) == 1


def test_without_a_key_the_endpoint_stores_nothing_even_if_start_up_was_skipped(
    settings: Settings, engine: Engine
) -> None:
    app = create_app(settings, Context(settings, engine))
    with InProcessClient(app, lifespan=False) as client:
        assert post_events(client, [sg_event("unsubscribe", ANNA)]).status_code == 403
    assert _count(engine) == 0


def test_mailer_serve_refuses_an_unsigned_webhook_before_listening(
    db_url: str, tmp_path: Any
) -> None:
    env = {"MAILER_DATABASE_URL": db_url, "MAILER_VAR_DIR": str(tmp_path / "var")}
    result = CliRunner().invoke(cli_app, ["serve", "--port", "1"], env=env)
    assert result.exit_code == 2
    assert "MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY" in result.output


def _send_through_fake(fake: FakeSendGrid, recipients: dict[str, str]) -> None:
    """One mail-send request through the official client: a personalization per recipient with
    our delivery id in custom_args, as the delivery pipeline sends them."""
    client = SendGridAPIClient(api_key=fake.api_key, host=fake.url)
    body = {
        "from": {"email": "vipu@vip-verkosto.example", "name": "VIP-verkosto"},
        "subject": "VIPU-kuukausikirje 6/2026",
        "content": [
            {"type": "text/plain", "value": "Hei!"},
            {"type": "text/html", "value": "<p>Hei!</p>"},
        ],
        "personalizations": [
            {"to": [{"email": email}], "custom_args": {"delivery_id": did, "edition": "2026-06"}}
            for email, did in recipients.items()
        ],
    }
    assert client.client.mail.send.post(request_body=body).status_code == 202


def test_events_from_the_fake_sendgrid_link_by_custom_args_and_by_message_id(
    client: InProcessClient, engine: Engine, fake_sendgrid: FakeSendGrid
) -> None:
    people = ["anna.virtanen@espoo.example", "bo.nyman@raasepori.example"]
    with engine.begin() as conn:
        ids = {email: seed_contact(conn, email) for email in people}
        deliveries_ = {email: seed_delivery(conn, ids[email], "2026-06") for email in people}
    _send_through_fake(fake_sendgrid, {email: deliveries_[email][1] for email in people})
    bounces = fake_sendgrid.events_for_accepted("bounce", emails=people[:1])
    assert post_events(client, bounces).json()["status_changes"] == 1
    # the same kind of event without our custom_args: found through the X-Message-Id prefix
    (message_id,) = fake_sendgrid.message_ids()
    with engine.begin() as conn:
        conn.execute(sa.update(deliveries).values(message_id=message_id))
    opens = fake_sendgrid.events_for_accepted(
        "open", emails=people[1:], delivery_id=None, edition=None
    )
    assert post_events(client, opens).json()["unlinked"] == 0
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(events.c.raw_type, events.c.delivery_pk, events.c.contact_id)
        ).all()
        statuses = dict(conn.execute(sa.select(contacts.c.email, contacts.c.status)).all())
    assert sorted(rows) == sorted(
        [
            ("bounce", deliveries_[people[0]][0], ids[people[0]]),
            ("open", deliveries_[people[1]][0], ids[people[1]]),
        ]
    )
    assert statuses == {people[0]: "stale", people[1]: "active"}
