"""SendGrid v3 Mail Send through the official `sendgrid` package: the Provider.

Bodies are built in `body.py`, the client in `client.py`, errors mapped in `errors.py`; this module
posts them. 400/413 and other 4xx are permanent (a 400 whose every error names a personalization
says which recipients were refused, so the caller can send the others); 401/403 stop the send
(ProviderAuthError); 429 waits until X-RateLimit-Reset; 5xx and failures to deliver the request
are retried with exponential backoff and jitter, bounded in attempts and time. A request that went
out but got no answer is never retried (DeliveryOutcomeUnknownError): it may have been accepted.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from mailer.config import Settings
from mailer.core.errors import (
    PermanentProviderError,
    ProviderAuthError,
    RateLimitedError,
    TransientProviderError,
)
from mailer.core.models import OutgoingMessage, SendOutcome
from mailer.providers.base import Batch
from mailer.providers.sendgrid.body import MAX_PERSONALIZATIONS, MailBodies
from mailer.providers.sendgrid.client import make_client
from mailer.providers.sendgrid.errors import (
    HTTPError,
    error_from_http,
    error_from_transport,
    named_personalizations,
)

__all__ = ["MAX_PERSONALIZATIONS", "RetryPolicy", "SendGridProvider"]

_MAIL_SEND = "POST /v3/mail/send"

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


class SendGridProvider:
    name = "sendgrid"

    def __init__(self, settings: Settings, *, retry: RetryPolicy | None = None) -> None:
        self.client = make_client(settings, needed_for="when MAILER_PROVIDER=sendgrid")
        self.timeout = settings.sendgrid_timeout
        self.retry = retry or RetryPolicy()
        self.bodies = MailBodies(settings)
        self.requests_made = 0
        self._lock = threading.Lock()

    # --- Provider protocol ----------------------------------------------------------------------

    def send_batch(self, batch: Batch) -> list[SendOutcome]:
        try:
            message_id = self.post(self.bodies.batch_body(batch))
        except ProviderAuthError:
            raise
        except PermanentProviderError as err:
            named = (
                named_personalizations(err.body, len(batch.recipients))
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
        message_id = self.post(self.bodies.message_body(message))
        return SendOutcome(delivery_id=message.delivery_id, accepted=True, message_id=message_id)

    def proof_of_delivery(self, edition: str, delivery_ids: Iterable[str]) -> set[str]:
        """Nothing: SendGrid's only proof that it took a request is the events it sends back,
        and those are in our database already (the pipeline looks there first)."""
        return set()

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
        except HTTPError as err:
            raise error_from_http(err, request=_MAIL_SEND, key_needs="the mail.send scope") from err
        except (OSError, http.client.HTTPException) as err:
            raise error_from_transport(err, request=_MAIL_SEND, idempotent=False) from err
        headers = response.headers
        message_id = headers.get("X-Message-Id") if headers is not None else None
        return str(message_id) if message_id else None
