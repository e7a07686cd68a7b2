"""SendGrid Event Webhook payloads for what the fake accepted.

Shapes follow SendGrid's "Event Webhook Reference": every event carries email, timestamp (unix
seconds), event, sg_event_id (unique), sg_message_id (the request's X-Message-Id, then a
".filterdrecv-..." suffix), smtp-id, category (a string for one category, a list for several,
as SendGrid sends them; absent without categories), asm_group_id when the message had one, and the
personalization's custom_args merged in at top level (top-level custom_args overridden by the
personalization's: that is what SendGrid does). Per kind:

- processed: nothing more;  delivered: response "250 OK", ip, tls
- deferred: response "4xx ...", attempt (a string, as SendGrid sends it), ip, tls
- bounce: type "bounce", status "5.1.1", reason, bounce_classification "Invalid Address", ip, tls
- blocked (shortcut): event "bounce" with type "blocked", status "5.7.1",
  bounce_classification "Reputation"
- dropped: reason "Bounced Address", status "5.0.0"
- open / click: useragent, ip, sg_machine_open / url, url_offset
- spamreport, unsubscribe: nothing more;  group_unsubscribe / group_resubscribe: asm_group_id,
  useragent, ip

`overrides` are applied last; an override value of None removes that key.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from tests.fakes.sendgrid_state import AcceptedPersonalization

EVENT_KINDS = (
    "processed",
    "delivered",
    "deferred",
    "bounce",
    "blocked",
    "dropped",
    "open",
    "click",
    "spamreport",
    "unsubscribe",
    "group_unsubscribe",
    "group_resubscribe",
)
MTA_IP = "192.0.2.25"  # TEST-NET-1 (RFC 5737): never a real host
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Thunderbird/128.0"

_PER_KIND: dict[str, dict[str, Any]] = {
    "processed": {},
    "delivered": {"response": "250 2.0.0 OK queued", "ip": MTA_IP, "tls": 1},
    "deferred": {
        "response": "451 4.7.1 Greylisted, please try again later",
        "attempt": "1",
        "ip": MTA_IP,
        "tls": 1,
    },
    "bounce": {
        "type": "bounce",
        "status": "5.1.1",
        "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
        "bounce_classification": "Invalid Address",
        "ip": MTA_IP,
        "tls": 1,
    },
    "blocked": {
        "type": "blocked",
        "status": "5.7.1",
        "reason": "550 5.7.1 Message rejected due to sender reputation",
        "bounce_classification": "Reputation",
        "ip": MTA_IP,
        "tls": 1,
    },
    "dropped": {"reason": "Bounced Address", "status": "5.0.0"},
    "open": {"useragent": USER_AGENT, "ip": "198.51.100.7", "sg_machine_open": False},
    "click": {
        "useragent": USER_AGENT,
        "ip": "198.51.100.7",
        "url": "https://vipu.example/kirje",
        "url_offset": {"index": 0, "type": "html"},
    },
    "spamreport": {},
    "unsubscribe": {},
    "group_unsubscribe": {"useragent": USER_AGENT, "ip": "198.51.100.7"},
    "group_resubscribe": {"useragent": USER_AGENT, "ip": "198.51.100.7"},
}


def _event_id() -> str:
    return secrets.token_urlsafe(16)


def _sg_message_id(message_id: str, n: int) -> str:
    # SendGrid: "<X-Message-Id>.filterdrecv-<host>-<pid>-<n>-<hex>-<seq>.0"; only the prefix up to
    # the first "." is documented as the X-Message-Id, the rest is opaque.
    host = f"5f8b{secrets.token_hex(3)}"
    return f"{message_id}.filterdrecv-{host}-{n % 97}-1-{secrets.token_hex(4)}-{n}.0"


def events_for(
    accepted: Iterable[AcceptedPersonalization],
    kind: str,
    emails: Iterable[str] | None,
    *,
    now: float,
    overrides: dict[str, Any],
) -> list[dict[str, Any]]:
    """One event per accepted recipient (filtered to `emails` when given, case-insensitive)."""
    if kind not in _PER_KIND:
        raise ValueError(f"unknown event kind {kind!r}; one of {', '.join(EVENT_KINDS)}")
    wanted = None if emails is None else {e.lower() for e in emails}
    events = []
    n = 0
    for pers in accepted:
        for email in pers.emails:
            if wanted is not None and email.lower() not in wanted:
                continue
            event: dict[str, Any] = {
                **pers.custom_args,
                "email": email,
                "timestamp": int(now),
                "event": "bounce" if kind == "blocked" else kind,
                "sg_event_id": _event_id(),
                "sg_message_id": _sg_message_id(pers.message_id, n),
                "smtp-id": f"<{pers.message_id}@geopod-ismtpd-1>",
            }
            categories = pers.categories
            if categories:  # SendGrid omits `category` when the message had none
                event["category"] = categories[0] if len(categories) == 1 else categories
            asm = (pers.request.body or {}).get("asm", {})
            if "group_id" in asm:
                event["asm_group_id"] = asm["group_id"]
            elif kind.startswith("group_"):
                event["asm_group_id"] = 1
            event.update(_PER_KIND[kind])
            for key, value in overrides.items():
                if value is None:
                    event.pop(key, None)
                else:
                    event[key] = value
            events.append(event)
            n += 1
    return events
