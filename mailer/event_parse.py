"""PURE: a SendGrid Event Webhook body -> normalised `DeliveryEvent`s, the raw event kept beside.

No I/O and no clock: the receive time is passed in. Rules (SendGrid docs, "Event Webhook
Reference"):
- the body must be a JSON array of objects; anything else is a WebhookError naming the index;
- an unknown `event` value is kept as EventType.UNKNOWN with `raw_type` as sent, never dropped;
- an event without `sg_event_id` (older accounts, hand-made posts) gets a stable synthetic id,
  `synthetic:` + SHA-256 of the canonical JSON of the event, so a replay maps to the same id;
- an event without a usable `timestamp` is dated at its receive time (kept, not dropped);
- strings are cut to the widths of the `events` columns (PostgreSQL refuses longer values, and a
  refusal would make SendGrid retry the POST forever); the raw event keeps the full text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mailer.errors import WebhookError
from mailer.models import DeliveryEvent, EventType

__all__ = ["normalise_event", "parse_body", "parse_events", "synthetic_event_id"]

_KNOWN = {t.value: t for t in EventType if t is not EventType.UNKNOWN}
_EDITION = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# widths of the `events` columns (mailer/store/events.py)
_WIDTH = {
    "sg_event_id": 100,
    "raw_type": 64,
    "email": 320,
    "sg_message_id": 200,
    "status": 32,
    "bounce_type": 32,
    "classification": 64,
}


def synthetic_event_id(raw: Mapping[str, Any]) -> str:
    """A stable id for an event that came without `sg_event_id`: same content, same id."""
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "synthetic:" + hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _text(raw: Mapping[str, Any], key: str, *, numbers: bool = True) -> str | None:
    value = raw.get(key)
    if type(value) is not str:  # the common case first: this runs ~10 times per event
        if value is None or isinstance(value, bool):
            return None
        if numbers and isinstance(value, int | float):
            value = str(value)
        elif isinstance(value, str):
            pass
        else:
            return None
    value = value.strip()
    if not value:
        return None
    width = _WIDTH.get(key)
    return value[:width] if width else value


def _occurred_at(raw: Mapping[str, Any], received_at: datetime) -> datetime:
    value = raw.get("timestamp")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return received_at
    if isinstance(value, bool) or not isinstance(value, int | float):
        return received_at
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return received_at


def normalise_event(raw: Mapping[str, Any], *, received_at: datetime) -> DeliveryEvent:
    """One SendGrid event object -> DeliveryEvent (never fails: odd fields become None)."""
    raw_type = _text(raw, "event") or ""
    event_type = _KNOWN.get(raw_type.lower(), EventType.UNKNOWN)
    event_id = _text(raw, "sg_event_id")
    if event_id is None or len(str(raw.get("sg_event_id")).strip()) > _WIDTH["sg_event_id"]:
        event_id = synthetic_event_id(raw)
    email = _text(raw, "email", numbers=False)
    edition = _text(raw, "edition")
    # deferred events carry the remote server's answer in `response`, bounces in `reason`
    reason = _text(raw, "reason") or _text(raw, "response")
    bounce_type = _text(raw, "type") if event_type is EventType.BOUNCE else None
    return DeliveryEvent(
        sg_event_id=event_id,
        event_type=event_type,
        raw_type=raw_type or "(missing)",
        email=email.lower() if email else None,
        occurred_at=_occurred_at(raw, received_at),
        sg_message_id=_text(raw, "sg_message_id"),
        delivery_id=_text(raw, "delivery_id"),
        edition=edition if edition and _EDITION.match(edition) else None,
        reason=reason,
        status=_text(raw, "status"),
        bounce_type=bounce_type.lower() if bounce_type else None,
        classification=_text(raw, "bounce_classification"),
        raw=dict(raw),
    )


def parse_events(payload: Any, *, received_at: datetime) -> list[DeliveryEvent]:
    """A decoded webhook body -> events, in the order sent. WebhookError if it is not an array
    of objects (the message names the first offending index)."""
    if not isinstance(payload, list):
        raise WebhookError(f"body must be a JSON array of events, got a JSON {_kind(payload)}")
    parsed: list[DeliveryEvent] = []
    for index, item in enumerate(payload):
        if not isinstance(item, dict):
            raise WebhookError(f"event [{index}] must be a JSON object, got a JSON {_kind(item)}")
        parsed.append(normalise_event(item, received_at=received_at))
    return parsed


def parse_body(body: bytes, *, received_at: datetime) -> list[DeliveryEvent]:
    """Raw request body -> events; invalid UTF-8 or JSON is a WebhookError saying where."""
    try:
        payload = json.loads(body)
    except UnicodeDecodeError as err:
        raise WebhookError(f"body is not UTF-8 (byte {err.start})") from err
    except json.JSONDecodeError as err:
        raise WebhookError(
            f"body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from err
    return parse_events(payload, received_at=received_at)


def _kind(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")
