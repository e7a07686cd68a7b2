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
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mailer.core.edition.dates import is_month
from mailer.core.errors import WebhookError
from mailer.core.models import DeliveryEvent, EventType

__all__ = ["normalise_event", "parse_body", "parse_events", "synthetic_event_id"]

_KNOWN = {t.value: t for t in EventType if t is not EventType.UNKNOWN}
_MAX_EVENT_ID = 100  # width of events.sg_event_id (mailer/store/tables/delivery.py)


def synthetic_event_id(raw: Mapping[str, Any]) -> str:
    """A stable id for an event that came without `sg_event_id`: same content, same id."""
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "synthetic:" + hashlib.sha256(canonical.encode("ascii")).hexdigest()


# the text fields read from an event, with the width of the `events` column each one fills
# (None: a Text column, or checked elsewhere)
_TEXT_FIELDS = (
    ("event", 64), ("sg_event_id", None), ("email", 320), ("edition", None), ("reason", None),
    ("response", None), ("type", 32), ("sg_message_id", 200), ("delivery_id", None),
    ("status", 32), ("bounce_classification", 64),
)  # fmt: skip


def _texts(raw: Mapping[str, Any]) -> dict[str, str | None]:
    """Every text field in one pass (this runs per event: no call per field): stripped, empty
    -> None, numbers as text (but never the address), other JSON types -> None."""
    out: dict[str, str | None] = {}
    get = raw.get
    for key, width in _TEXT_FIELDS:
        value = get(key)
        if value.__class__ is not str:
            if (
                value is None
                or isinstance(value, bool)
                or key == "email"
                or not isinstance(value, int | float | str)
            ):
                out[key] = None
                continue
            value = str(value)
        value = value.strip()
        if "\x00" in value:  # PostgreSQL text cannot hold NUL: a refusal would be retried forever
            value = value.replace("\x00", "")
        if not value:
            out[key] = None
        elif width is not None and len(value) > width:
            out[key] = value[:width]
        else:
            out[key] = value
    return out


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
    text = _texts(raw)
    raw_type = text["event"] or ""
    event_type = _KNOWN.get(raw_type.lower(), EventType.UNKNOWN)
    event_id = text["sg_event_id"]
    if event_id is None or len(event_id) > _MAX_EVENT_ID:
        event_id = synthetic_event_id(raw)
    email = text["email"]
    edition = text["edition"]
    bounce_type = text["type"] if event_type is EventType.BOUNCE else None
    return DeliveryEvent(
        provider_event_id=event_id,
        event_type=event_type,
        raw_type=raw_type or "(missing)",
        email=email.lower() if email else None,
        occurred_at=_occurred_at(raw, received_at),
        provider_message_id=text["sg_message_id"],
        delivery_id=text["delivery_id"],
        edition=edition if is_month(edition) else None,
        # deferred events carry the remote server's answer in `response`, bounces in `reason`
        reason=text["reason"] or text["response"],
        status=text["status"],
        bounce_type=bounce_type.lower() if bounce_type else None,
        classification=text["bounce_classification"],
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
        payload = json.loads(body, parse_constant=_no_constant)
    except UnicodeDecodeError as err:
        raise WebhookError(f"body is not UTF-8 (byte {err.start})") from err
    except json.JSONDecodeError as err:
        raise WebhookError(
            f"body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from err
    return parse_events(payload, received_at=received_at)


def _no_constant(name: str) -> None:
    # NaN / Infinity are not JSON (RFC 8259 section 6); Python accepts them, PostgreSQL does not
    raise json.JSONDecodeError(f"{name} is not a JSON number", name, 0)


def _kind(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")
