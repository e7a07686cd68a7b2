"""PURE: mail sent to the unsubscribe address, as SendGrid Inbound Parse posts it.

Every letter's `List-Unsubscribe` carries `<mailto:ADDRESS?subject=unsubscribe-TOKEN>` (RFC 2369):
a mail client that unsubscribes by mail sends a message with that subject. Inbound Parse posts each
message as multipart/form-data, either parsed (`from`, `to`, `subject`, `text`, `envelope`, ...) or,
with "POST the raw, full MIME message" on, as one `email` field. Both shapes give an `InboundMail`.

Only the token proves who wants to leave: a `From` header is trivially forged, so a message
without a valid token unsubscribes nobody and is kept for a coordinator instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from email import message_from_string, policy
from email.message import EmailMessage
from enum import StrEnum
from typing import NamedTuple

__all__ = [
    "EXCERPT_CHARS",
    "InboundMail",
    "InboundOutcome",
    "find_token",
    "mail_from_form",
]

# What a coordinator needs to read a message by hand; the rest of a long body is not kept.
EXCERPT_CHARS = 10_000
_FIELD_CHARS = 998  # RFC 5322 line limit: no header value we keep is longer
# `unsubscribe-TOKEN` anywhere in the subject (clients add "Re:", "[EXT]", or translate nothing):
# the token is base64url with a dot between payload and signature (itsdangerous).
_TOKEN = re.compile(r"unsubscribe[-_ :]+([A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+)", re.IGNORECASE)


class InboundOutcome(StrEnum):
    UNSUBSCRIBED = "unsubscribed"  # a valid token: the contact left now
    ALREADY = "already"  # a valid token of someone who had already left
    KEPT = "kept"  # no valid token: stored for a coordinator


class InboundMail(NamedTuple):
    sender: str  # the From header as sent
    envelope_from: str  # the SMTP return path, when Inbound Parse gave it
    recipient: str
    subject: str
    text: str  # the plain-text body, cut to EXCERPT_CHARS


def find_token(subject: str) -> str | None:
    """The unsubscribe token in a subject line, if there is one."""
    found = _TOKEN.search(subject)
    return found.group(1) if found else None


def _clip(value: str, limit: int = _FIELD_CHARS) -> str:
    # NUL and lone surrogates cannot be stored (PostgreSQL text, UTF-8): drop them here.
    cleaned = value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return cleaned[:limit]


def _envelope_from(raw: str) -> str:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return ""
    value = data.get("from") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def _text_part(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    if body is None:
        return ""
    try:
        return str(body.get_content())
    except (LookupError, ValueError):  # an unknown charset or a broken encoding
        return ""


def _from_raw(raw: str, envelope: str) -> InboundMail:
    message = message_from_string(raw, policy=policy.default)
    return InboundMail(
        sender=_clip(str(message.get("From", ""))),
        envelope_from=_clip(_envelope_from(envelope)),
        recipient=_clip(str(message.get("To", ""))),
        subject=_clip(str(message.get("Subject", ""))),
        text=_clip(_text_part(message), EXCERPT_CHARS),
    )


def mail_from_form(fields: Mapping[str, str]) -> InboundMail:
    """One message from Inbound Parse's text fields (files are not passed in)."""
    if fields.get("email"):
        return _from_raw(fields["email"], fields.get("envelope", ""))
    return InboundMail(
        sender=_clip(fields.get("from", "")),
        envelope_from=_clip(_envelope_from(fields.get("envelope", ""))),
        recipient=_clip(fields.get("to", "")),
        subject=_clip(fields.get("subject", "")),
        text=_clip(fields.get("text", ""), EXCERPT_CHARS),
    )
