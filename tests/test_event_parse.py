"""Webhook body -> normalised DeliveryEvents (pure; nothing dropped, raw kept)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mailer.core.errors import WebhookError
from mailer.core.models import DeliveryEvent, EventType
from mailer.providers.sendgrid.events import (
    normalise_event,
    parse_body,
    parse_events,
    synthetic_event_id,
)

RECEIVED = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TS = 1_781_000_000


def _event(event: str, **extra: object) -> dict[str, object]:
    return {"email": "anna.virtanen@espoo.example", "timestamp": TS, "event": event} | extra


@pytest.mark.parametrize(
    ("raw_type", "expected"),
    [(t.value, t) for t in EventType if t is not EventType.UNKNOWN]
    + [
        ("Delivered", EventType.DELIVERED),
        ("machine_opened", EventType.UNKNOWN),
        ("", EventType.UNKNOWN),
    ],
)
def test_every_event_type_maps_and_unknown_types_are_kept(
    raw_type: str, expected: EventType
) -> None:
    (parsed,) = parse_events([_event(raw_type, sg_event_id="e1")], received_at=RECEIVED)
    assert parsed.event_type is expected
    assert parsed.raw_type == (raw_type or "(missing)")
    assert parsed.raw["event"] == raw_type


def test_fields_are_normalised_and_the_raw_event_kept_as_sent() -> None:
    raw = _event(
        "bounce",
        email="  Anna.Virtanen@Espoo.EXAMPLE ",
        sg_event_id="ev-1",
        sg_message_id="14c5d75ce93.filterdrecv-p3las1-1-5-0",
        delivery_id="0b6f6c1e-8f4b-4c5e-9d1e-3b7a2f0c9e11",
        edition="2026-06",
        type="Bounce",
        status="5.1.1",
        reason="550 5.1.1 user unknown",
        bounce_classification="Invalid Address",
        asm_group_id=42,
    )
    event = normalise_event(raw, received_at=RECEIVED)
    assert event.email == "anna.virtanen@espoo.example"
    assert event.occurred_at == datetime.fromtimestamp(TS, UTC)
    assert (event.provider_event_id, event.delivery_id, event.edition) == (
        "ev-1",
        "0b6f6c1e-8f4b-4c5e-9d1e-3b7a2f0c9e11",
        "2026-06",
    )
    assert event.provider_message_id == "14c5d75ce93.filterdrecv-p3las1-1-5-0"
    assert (event.bounce_type, event.status, event.classification) == (
        "bounce",
        "5.1.1",
        "Invalid Address",
    )
    assert event.raw == raw


def test_events_leave_the_package_in_our_names_with_sendgrids_kept_in_raw() -> None:
    event = normalise_event(_event("open", sg_event_id="e9"), received_at=RECEIVED)
    assert not [name for name in DeliveryEvent.model_fields if name.startswith("sg_")]
    assert (event.provider_event_id, event.raw["sg_event_id"]) == ("e9", "e9")


def test_deferred_events_take_the_servers_response_as_reason() -> None:
    event = normalise_event(
        _event("deferred", response="421 try later", attempt="2"), received_at=RECEIVED
    )
    assert event.reason == "421 try later"
    assert event.bounce_type is None


@pytest.mark.parametrize(
    ("extra", "field", "expected"),
    [
        ({"edition": "June"}, "edition", None),
        ({"edition": "2026-13"}, "edition", None),
        ({"timestamp": "not a time"}, "occurred_at", RECEIVED),
        ({"timestamp": None}, "occurred_at", RECEIVED),
        ({"timestamp": str(TS)}, "occurred_at", datetime.fromtimestamp(TS, UTC)),
        ({"email": 42}, "email", None),
        ({"status": "5" * 80}, "status", "5" * 32),
        ({"delivery_id": ["x"]}, "delivery_id", None),
    ],
)
def test_odd_fields_become_none_or_fallbacks_never_errors(
    extra: dict, field: str, expected: object
) -> None:
    event = normalise_event(_event("bounce", sg_event_id="x") | extra, received_at=RECEIVED)
    assert getattr(event, field) == expected
    assert event.raw == _event("bounce", sg_event_id="x") | extra


def test_a_missing_event_id_gets_a_stable_synthetic_one() -> None:
    raw = _event("open")
    first = normalise_event(raw, received_at=RECEIVED)
    again = normalise_event(json.loads(json.dumps(raw)), received_at=RECEIVED)
    other = normalise_event(_event("click"), received_at=RECEIVED)
    assert first.provider_event_id == again.provider_event_id == synthetic_event_id(raw)
    assert first.provider_event_id.startswith("synthetic:")
    assert other.provider_event_id != first.provider_event_id
    assert len(first.provider_event_id) <= 100


def test_an_overlong_event_id_is_replaced_by_a_synthetic_one() -> None:
    event = normalise_event(_event("open", sg_event_id="x" * 150), received_at=RECEIVED)
    assert event.provider_event_id.startswith("synthetic:")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"event": "delivered"}', "must be a JSON array of events, got a JSON object"),
        (b'"hello"', "got a JSON string"),
        (b"[{}, {}, 3]", r"event \[2\] must be a JSON object, got a JSON number"),
        (b'[{"event": "open"}, null]', r"event \[1\] .* null"),
        (b'[{"event": "open"},', "not valid JSON: .* line 1 column"),
        (b"\xff\xfe[]", "not UTF-8|not valid JSON"),
        (b'[{"event": "open", "timestamp": NaN}]', "NaN is not a JSON number"),
    ],
)
def test_a_body_that_is_not_an_array_of_objects_is_refused_with_the_place(
    body: bytes, message: str
) -> None:
    with pytest.raises(WebhookError, match=message):
        parse_body(body, received_at=RECEIVED)


def test_an_empty_array_is_valid_and_order_is_kept() -> None:
    assert parse_body(b"[]", received_at=RECEIVED) == []
    parsed = parse_events(
        [_event("processed", sg_event_id="a"), _event("open", sg_event_id="b")],
        received_at=RECEIVED,
    )
    assert [e.provider_event_id for e in parsed] == ["a", "b"]


def test_nul_characters_are_dropped_from_text_fields_but_kept_in_raw() -> None:
    event = normalise_event(
        _event("bounce", reason="550 bad\x00 user", sg_event_id="n"), received_at=RECEIVED
    )
    assert event.reason == "550 bad user"
    assert event.raw["reason"] == "550 bad\x00 user"
