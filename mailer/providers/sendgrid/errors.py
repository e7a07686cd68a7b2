"""SendGrid's answers and transport failures -> our ProviderError subclasses, in one place.

https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors:
401/403 are ProviderAuthError (every further request would fail the same way); 429 is
RateLimitedError with the time `X-RateLimit-Reset` names; 5xx is TransientProviderError; any other
4xx is PermanentProviderError (the request itself is wrong). Every message starts with the request
it is about, and SendGrid's error body {"errors": [{"field", "message"}]} is kept readable.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
from collections.abc import Mapping

from python_http_client.exceptions import HTTPError

from mailer.core.errors import (
    DeliveryOutcomeUnknownError,
    PermanentProviderError,
    ProviderAuthError,
    ProviderError,
    RateLimitedError,
    TransientProviderError,
)

__all__ = [
    "HTTPError",
    "error_from_http",
    "error_from_transport",
    "field_errors",
    "named_personalizations",
    "rate_limit_reset",
]

# X-RateLimit-Reset is unix seconds, an ASCII decimal (SendGrid sends whole seconds; a fraction
# is accepted). Not float()'s wider language: "nan" would make the wait NaN and the sleep fail,
# "inf", "1e9", "1_000" and "-5" are no time SendGrid would send.
_RESET = re.compile(r"\d+(?:\.\d+)?", re.ASCII)


def rate_limit_reset(value: object) -> float | None:
    """The unix time an `X-RateLimit-Reset` header value names; None if it names none."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    text = value.strip()
    return float(text) if _RESET.fullmatch(text) else None


def _body_text(body: bytes | str | None) -> str | None:
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else body


def field_errors(body: bytes | str | None) -> str:
    """SendGrid's error body {"errors": [{"message", "field", "help"}]} as one readable line."""
    text = _body_text(body)
    if not text:
        return "no details"
    try:
        errors = json.loads(text).get("errors") or []
    except (ValueError, AttributeError):
        return text[:500]
    if not isinstance(errors, list):
        return text[:500]
    parts = []
    for err in errors:
        if not isinstance(err, dict):
            continue
        field = err.get("field")
        message = err.get("message") or "?"
        parts.append(f"{field}: {message}" if field else str(message))
    return "; ".join(parts) or text[:500]


_PERSONALIZATION_FIELD = re.compile(r"personalizations\.(\d+)(?:\.|$)")


def named_personalizations(body: str | None, count: int) -> set[int]:
    """Indexes of the personalizations a 400 blames, if *every* error blames one of the `count`
    personalizations (a field like `personalizations.3.to.0.email`); else nothing: an error in
    the shared part of the request (subject, content, ...) is every recipient's problem."""
    try:
        errors = json.loads(body or "").get("errors") or []
    except (ValueError, AttributeError):
        return set()
    named: set[int] = set()
    for err in errors:
        found = (
            _PERSONALIZATION_FIELD.match(str(err.get("field") or ""))
            if isinstance(err, dict)
            else None
        )
        if found is None or int(found.group(1)) >= count:
            return set()
        named.add(int(found.group(1)))
    return named


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    # urllib's answer headers (an email.message.Message) match names in any case; a plain dict
    # (a hand-made HTTPError) is looked up as written
    return headers.get(name) if headers is not None else None


def error_from_http(err: HTTPError, *, request: str, key_needs: str) -> ProviderError:
    """SendGrid's error answer to `request` (e.g. "POST /v3/mail/send") as our error.
    `key_needs` says what the API key must allow, for the 401/403 message."""
    status = int(err.status_code)
    body = _body_text(err.body)
    details = field_errors(body)
    if status in (401, 403):
        return ProviderAuthError(
            f"{request}: SendGrid refused the API key ({status}): {details}; check "
            f"MAILER_SENDGRID_API_KEY (it needs {key_needs})",
            status=status,
            body=body,
        )
    if status == 429:
        reset_at = rate_limit_reset(_header(err.headers, "X-RateLimit-Reset"))
        return RateLimitedError(
            f"{request}: SendGrid rate limit (429): {details}", reset_at=reset_at
        )
    if status >= 500:
        return TransientProviderError(
            f"{request}: SendGrid error {status}: {details}", status=status, body=body
        )
    return PermanentProviderError(
        f"{request}: SendGrid refused the request ({status}): {details}", status=status, body=body
    )


def error_from_transport(
    err: OSError | http.client.HTTPException, *, request: str, idempotent: bool
) -> ProviderError:
    """A request that got no HTTP answer. urllib wraps failures while connecting and writing the
    request in URLError: SendGrid never got a whole request, so trying again cannot do anything
    twice (TransientProviderError). Any other failure (dropped connection, read timeout) came
    after the request was written: SendGrid may have acted on it, so unless the request is
    `idempotent` (a GET) it is DeliveryOutcomeUnknownError: retrying a Mail Send could send
    every letter twice."""
    if isinstance(err, urllib.error.URLError):
        return TransientProviderError(f"{request}: could not reach SendGrid: {err.reason}")
    message = (
        f"{request}: no answer from SendGrid after sending the request "
        f"({type(err).__name__}: {err})"
    )
    if idempotent:
        return TransientProviderError(message)
    return DeliveryOutcomeUnknownError(message)
