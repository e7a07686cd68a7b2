"""SendGrid v3 Mail Send through the official `sendgrid` package.

One request per batch (at most 1000 personalizations, SendGrid's limit, and one recipient each so
also at most 1000 recipients). The compiled variant travels once in `content`; each recipient's
values travel as `substitutions` (mailer.core.edition.render's `%%h:..%%` / `%%t:..%%` token
contract), our delivery id, edition, region and language as personalization `custom_args` (SendGrid
copies them into every event), plus per-recipient List-Unsubscribe headers (RFC 2369 / RFC 8058).
Bodies are plain dicts: building 1000 personalizations with the helper classes costs more than the
whole HTTP round trip.

Errors (https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors):
400/413 and other 4xx are permanent (a 400 whose every error names a personalization says which
recipients were refused, so the caller can send the others); 401/403 stop the send
(ProviderAuthError); 429 waits until X-RateLimit-Reset; 5xx and failures to deliver the request
are retried with exponential backoff and jitter, bounded in attempts and time. A request that went
out but got no answer is never retried (DeliveryOutcomeUnknownError): it may have been accepted.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import threading
import time
import urllib.error
from collections.abc import Callable
from html import escape
from typing import Any

import sendgrid
from python_http_client import exceptions as http_errors
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from mailer.config import Settings
from mailer.core.edition.render import RECIPIENT_FIELDS, substitutions
from mailer.core.errors import (
    ConfigError,
    DeliveryOutcomeUnknownError,
    PermanentProviderError,
    ProviderAuthError,
    RateLimitedError,
    TransientProviderError,
)
from mailer.core.models import CompiledVariant, OutgoingMessage, Recipient, SendOutcome
from mailer.providers.base import Batch, unsubscribe_headers

__all__ = ["MAX_PERSONALIZATIONS", "RetryPolicy", "SendGridProvider"]

MAX_PERSONALIZATIONS = 1000  # SendGrid: personalizations per request, and recipients in total

# python_http_client logs every request at DEBUG: its headers, Authorization and so the API key
# among them, and its whole body, every recipient's address. Secrets and personal data stay out
# of logs whatever level the application's logging is set to.
logging.getLogger("python_http_client.client").setLevel(logging.INFO)

# The media type with its charset: it makes python_http_client send the body we serialised
# (see _JsonBody) instead of serialising the dict itself. SendGrid reads either spelling.
_JSON_UTF8 = "application/json; charset=utf-8"


class _Payload(bytes):
    """A serialised request body that formats as its size only. python_http_client formats each
    body into its debug line before the logger's level is looked at: for a 1 MB request that
    was about 3 ms of every batch, and it put the recipients' addresses into a string."""

    def __format__(self, spec: str) -> str:
        return f"<{len(self):,} bytes of JSON>"

    def __str__(self) -> str:
        return format(self)

    __repr__ = __str__


class _JsonBody:
    """A request body for python_http_client's text path (its `request_body.encode('utf-8')`)."""

    def __init__(self, body: dict[str, Any]) -> None:
        # ASCII-only JSON (non-ASCII as \u escapes): faster to write than UTF-8 here
        self.payload = _Payload(json.dumps(body, separators=(",", ":")).encode("ascii"))

    def encode(self, _encoding: str = "utf-8") -> _Payload:
        return self.payload


class RetryPolicy:
    """Bounds of the retry loop; `sleep` and `clock` are injectable so tests never really wait."""

    def __init__(
        self,
        *,
        attempts: int = 8,
        total_seconds: float = 600.0,
        initial: float = 1.0,
        max_backoff: float = 60.0,
        max_rate_limit_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.attempts = attempts
        self.total_seconds = total_seconds
        self.max_rate_limit_wait = max_rate_limit_wait
        self.sleep = sleep
        self.clock = clock
        self._backoff = wait_exponential_jitter(initial=initial, max=max_backoff, jitter=initial)

    def wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimitedError) and error.reset_at is not None:
            # 429: SendGrid says when the window resets (unix seconds); wait exactly that long
            # (capped, in case of a clock far off), plus a hair so we land after the reset.
            return min(max(error.reset_at - self.clock(), 0.0) + 0.05, self.max_rate_limit_wait)
        return float(self._backoff(state))


def _field_errors(body: bytes | str | None) -> str:
    """SendGrid's error body {"errors": [{"message", "field", "help"}]} as one readable line."""
    if not body:
        return "no details"
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        errors = json.loads(text).get("errors") or []
    except (ValueError, AttributeError):
        return text[:500]
    parts = []
    for err in errors:
        field = err.get("field")
        message = err.get("message") or "?"
        parts.append(f"{field}: {message}" if field else str(message))
    return "; ".join(parts) or text[:500]


_PERSONALIZATION_FIELD = re.compile(r"personalizations\.(\d+)(?:\.|$)")


def _named_personalizations(body: str | None, count: int) -> set[int]:
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


def _classify(err: http_errors.HTTPError) -> Exception:
    status = int(err.status_code)
    body = err.body.decode("utf-8", "replace") if isinstance(err.body, bytes) else err.body
    details = _field_errors(body)
    if status in (401, 403):
        return ProviderAuthError(
            f"SendGrid refused the API key ({status}): {details}; check MAILER_SENDGRID_API_KEY "
            "(it needs the mail.send scope)",
            status=status,
            body=body,
        )
    if status == 429:
        reset = (err.headers or {}).get("X-RateLimit-Reset")
        try:
            reset_at = float(reset) if reset is not None else None
        except ValueError:
            reset_at = None
        return RateLimitedError(f"SendGrid rate limit (429): {details}", reset_at=reset_at)
    if status >= 500:
        return TransientProviderError(f"SendGrid error {status}: {details}", status=status)
    return PermanentProviderError(
        f"SendGrid refused the request ({status}): {details}", status=status, body=body
    )


class _Substitutions:
    """`mailer.core.edition.render.substitutions` for a whole batch, about 3x faster: the token
    names are built once, and HTML escapes are memoised per batch (organisations, role labels and
    first names repeat). Falls back to render.substitutions if the render contract's field list is
    not the one this was written for; tests compare both on tricky values."""

    _FIELDS = ("first_name", "last_name", "organisation", "role", "unsubscribe_url")

    def __init__(self, compiled: CompiledVariant) -> None:
        self.compiled = compiled
        self.labels = compiled.role_labels
        self.fast = tuple(RECIPIENT_FIELDS) == self._FIELDS
        self.escaped: dict[str, str] = {}

    def _escape(self, value: str) -> str:
        done = self.escaped.get(value)
        if done is None:
            done = self.escaped[value] = escape(value, quote=True)
        return done

    def __call__(self, r: Recipient) -> dict[str, str]:
        if not self.fast:
            return substitutions(self.compiled, r)
        role = str(r.role)  # a StrEnum: its str is the value, without the property call
        label = self.labels.get(role, role)
        esc = self._escape
        first, last, url = r.first_name, r.last_name, r.unsubscribe_url
        return {
            "%%t:first_name%%": first,
            "%%t:last_name%%": last,
            "%%t:organisation%%": r.organisation,
            "%%t:role%%": label,
            "%%t:unsubscribe_url%%": url,
            "%%h:first_name%%": esc(first),
            "%%h:last_name%%": escape(last, quote=True),  # mostly unique: not worth memoising
            "%%h:organisation%%": esc(r.organisation),
            "%%h:role%%": esc(label),
            "%%h:unsubscribe_url%%": escape(url, quote=True),
        }


class SendGridProvider:
    name = "sendgrid"

    def __init__(self, settings: Settings, *, retry: RetryPolicy | None = None) -> None:
        if settings.sendgrid_api_key is None:
            raise ConfigError("MAILER_SENDGRID_API_KEY", "required when MAILER_PROVIDER=sendgrid")
        self.client = sendgrid.SendGridAPIClient(
            api_key=settings.sendgrid_api_key.get_secret_value(), host=settings.sendgrid_host
        )
        self.timeout = settings.sendgrid_timeout
        self.retry = retry or RetryPolicy()
        self.requests_made = 0
        self._lock = threading.Lock()
        base: dict[str, Any] = {"from": {"email": settings.from_email, "name": settings.from_name}}
        if settings.reply_to:
            base["reply_to"] = {"email": settings.reply_to}
        if settings.sendgrid_asm_group_id is not None:
            base["asm"] = {"group_id": settings.sendgrid_asm_group_id}
        if settings.sendgrid_sandbox:
            base["mail_settings"] = {"sandbox_mode": {"enable": True}}
        self._base = base

    # --- request bodies -------------------------------------------------------------------------

    def batch_body(self, batch: Batch) -> dict[str, Any]:
        compiled = batch.compiled
        if not batch.recipients:
            raise ValueError("a batch needs at least one recipient")
        if len(batch.recipients) > MAX_PERSONALIZATIONS:
            raise ValueError(f"a batch holds at most {MAX_PERSONALIZATIONS} recipients")
        variant = compiled.variant
        edition, region, language = compiled.edition, variant.region.value, variant.language.value
        subs = _Substitutions(compiled)
        personalizations = [
            {
                "to": [{"email": r.email, "name": f"{r.first_name} {r.last_name}".strip()}],
                "substitutions": subs(r),
                "custom_args": {
                    "delivery_id": r.delivery_id,
                    "edition": edition,
                    "region": region,
                    "language": language,
                },
                "headers": unsubscribe_headers(r),
            }
            for r in batch.recipients
        ]
        return {
            **self._base,
            "personalizations": personalizations,
            "subject": compiled.subject,
            # RFC 2046 5.1.4 and SendGrid: text/plain first, then text/html
            "content": [
                {"type": "text/plain", "value": compiled.text},
                {"type": "text/html", "value": compiled.html},
            ],
            "categories": [f"vipu-{edition}", f"vipu-{variant.key}"],
        }

    def message_body(self, message: OutgoingMessage) -> dict[str, Any]:
        return {
            **self._base,
            "personalizations": [
                {
                    "to": [{"email": message.to_email, "name": message.to_name}],
                    "custom_args": {
                        "delivery_id": message.delivery_id,
                        "edition": message.edition,
                        "region": message.variant.region.value,
                        "language": message.variant.language.value,
                    },
                    **({"headers": dict(message.headers)} if message.headers else {}),
                }
            ],
            "subject": message.subject,
            "content": [
                {"type": "text/plain", "value": message.text},
                {"type": "text/html", "value": message.html},
            ],
            "categories": [f"vipu-{message.edition}", "vipu-test"],
        }

    # --- Provider protocol ----------------------------------------------------------------------

    def send_batch(self, batch: Batch) -> list[SendOutcome]:
        try:
            message_id = self.post(self.batch_body(batch))
        except ProviderAuthError:
            raise
        except PermanentProviderError as err:
            named = (
                _named_personalizations(err.body, len(batch.recipients))
                if err.status == 400
                else set()
            )
            if not named:
                raise
            raise PermanentProviderError(
                str(err),
                status=err.status,
                body=err.body,
                refused=tuple(batch.recipients[i].delivery_id for i in sorted(named)),
            ) from err
        return [
            SendOutcome(delivery_id=r.delivery_id, accepted=True, message_id=message_id)
            for r in batch.recipients
        ]

    def send_message(self, message: OutgoingMessage) -> SendOutcome:
        message_id = self.post(self.message_body(message))
        return SendOutcome(delivery_id=message.delivery_id, accepted=True, message_id=message_id)

    def close(self) -> None:
        """python_http_client opens one connection per request; nothing stays open."""

    # --- HTTP -----------------------------------------------------------------------------------

    def post(self, body: dict[str, Any]) -> str | None:
        """POST /v3/mail/send with retries; returns the X-Message-Id of the accepted request."""
        policy = self.retry
        retrying = Retrying(
            retry=retry_if_exception_type(TransientProviderError),
            stop=stop_after_attempt(policy.attempts) | stop_after_delay(policy.total_seconds),
            wait=policy.wait,
            sleep=policy.sleep,
            reraise=True,
        )
        result: str | None = retrying(self._post_once, _JsonBody(body))  # serialised once
        return result

    def _post_once(self, body: _JsonBody) -> str | None:
        with self._lock:  # the send loop keeps more than one request on the wire
            self.requests_made += 1
        try:
            # (python_http_client keeps the header on the client: every request this provider
            # makes goes through here with a _JsonBody, so that is what the client expects.)
            response = self.client.client.mail.send.post(
                request_body=body,
                request_headers={"Content-Type": _JSON_UTF8},
                timeout=self.timeout,
            )
        except http_errors.HTTPError as err:
            raise _classify(err) from err
        except urllib.error.URLError as err:
            # urllib wraps failures while connecting and writing the request: SendGrid never
            # got a whole request, so trying again cannot send anything twice.
            raise TransientProviderError(f"could not reach SendGrid: {err.reason}") from err
        except (OSError, http.client.HTTPException) as err:
            # The request was written but the answer never came (dropped connection, read
            # timeout): SendGrid may have accepted it. Retrying could send every letter twice.
            raise DeliveryOutcomeUnknownError(
                f"no answer from SendGrid after sending the request ({type(err).__name__}: {err})"
            ) from err
        headers = response.headers
        message_id = headers.get("X-Message-Id") if headers is not None else None
        return str(message_id) if message_id else None
