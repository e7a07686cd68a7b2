"""PURE: the signed values of the contact's own page, all under MAILER_SECRET_KEY.

- The page's form token: an HMAC over the page token with its own purpose, so a form posted to
  `/p/{token}` must come from a page of that very token (a cross-site form cannot know it). The
  same for the confirmation pages, bound to their own link.
- Confirmation links (a new address, a successor): purpose-bound (their own salt, so one never
  passes for another) and expiring (the end is in the signed value and is checked against the
  `now` the pipeline passes, so one clock rules the application and tests can move it). Each
  carries the contact's token key, so it dies with an erasure, and what it grants (the new
  address, the successor's name and address) so that nothing waits in the database.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from mailer.core.tokens import InvalidTokenError

__all__ = ["LinkPurpose", "form_token", "make_link", "read_link", "same_form_token"]


class LinkPurpose(StrEnum):
    ADDRESS = "address"  # to the new address: "this is my address now"
    SUCCESSOR = "successor"  # to a named successor: "I take over the role"


def _salt(purpose: LinkPurpose) -> str:
    return f"vipu-mailer.contact-{purpose.value}.v1"


def make_link(
    secret: str, purpose: LinkPurpose, payload: dict[str, str], *, until: datetime
) -> str:
    """A confirmation link's token: `payload` (short keys, plain strings) and its end."""
    value: dict[str, Any] = {**payload, "until": int(until.timestamp())}
    return URLSafeSerializer(secret, salt=_salt(purpose)).dumps(value)


def read_link(secret: str, purpose: LinkPurpose, token: str, *, now: datetime) -> dict[str, str]:
    """The payload of a link of this purpose that has not ended; InvalidTokenError otherwise
    (forged, of another purpose, ended: the caller answers all alike)."""
    try:
        value = URLSafeSerializer(secret, salt=_salt(purpose)).loads(token)
    except BadSignature as err:
        raise InvalidTokenError("confirmation link is not valid") from err
    if not isinstance(value, dict):
        raise InvalidTokenError("confirmation link is not valid")
    until = value.pop("until", None)
    if not isinstance(until, int) or datetime.fromtimestamp(until, UTC) <= now:
        raise InvalidTokenError("confirmation link has ended")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidTokenError("confirmation link is not valid")
    return value


def form_token(secret: str, bound_to: str) -> str:
    """The hidden form field of a page whose URL carries `bound_to` (a page or link token)."""
    message = b"vipu-mailer.contact-form.v1\x00" + bound_to.encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def same_form_token(secret: str, bound_to: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(form_token(secret, bound_to), given)
