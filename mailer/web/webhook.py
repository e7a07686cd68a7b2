"""`POST /webhooks/sendgrid`: SendGrid's signed Event Webhook.

Answers (SendGrid retries a POST that gets a 5xx or no answer, for up to 24 hours, and drops it
after a 4xx; SendGrid docs "Event Webhook", retry logic):
- 413 body over `webhook_max_body` (read no further);
- 403 signature missing, forged or outside the replay window: nothing stored;
- 400 body is not a JSON array of objects, or cannot be parsed safely (nesting, a huge or
  non-finite number): nothing stored (a retry would fail the same way);
- 503 the database failed: SendGrid retries, and the retry is safe (events are stored once);
- 200 with a small JSON summary otherwise.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from mailer.config import Settings
from mailer.core.errors import StorageError, WebhookError, WebhookSignatureError
from mailer.core.untrusted_json import UnsafeJsonError, loads_untrusted
from mailer.pipeline import Context
from mailer.pipeline.events import IngestReport, ingest_parsed
from mailer.providers.sendgrid.events import parse_events
from mailer.providers.sendgrid.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from mailer.web.bodies import BodyTooLargeError, read_limited

__all__ = ["PATH", "public_keys", "router"]

log = logging.getLogger("mailer.web.webhook")
router = APIRouter()
PATH = "/webhooks/sendgrid"


def public_keys(setting: str | None) -> list[str]:
    """MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY holds one key or several, comma-separated: during a key
    rotation the old and the new key are both accepted, so no event is lost."""
    return [key.strip() for key in (setting or "").split(",") if key.strip()]


def _verify_any(
    keys: list[str], request: Request, body: bytes, now: float, settings: Settings
) -> None:
    """Accept a body signed by any of `keys`; else the first key's refusal (a timestamp outside
    the window is refused the same way by every key)."""
    refusal: WebhookSignatureError | None = None
    for key in keys:
        try:
            verify_signature(
                key,
                body,
                request.headers.get(SIGNATURE_HEADER, ""),
                request.headers.get(TIMESTAMP_HEADER, ""),
                now=now,
                max_age=settings.webhook_replay_window,
            )
        except WebhookSignatureError as err:
            refusal = refusal or err
            continue
        return
    assert refusal is not None
    raise refusal


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _ingest(ctx: Context, body: bytes) -> IngestReport:
    try:
        payload = loads_untrusted(body)  # bounded depth and numbers, no lone surrogates
    except UnsafeJsonError as err:
        raise WebhookError(str(err)) from err
    return ingest_parsed(ctx, parse_events(payload, received_at=ctx.now()), source="webhook")


@router.post(PATH)
async def sendgrid_events(request: Request) -> JSONResponse:
    ctx: Context = request.app.state.ctx
    settings = ctx.settings
    peer = request.client.host if request.client else "?"
    try:
        body = await read_limited(request, settings.webhook_max_body)
    except BodyTooLargeError:
        log.warning("webhook: body over %d bytes from %s", settings.webhook_max_body, peer)
        return _error(413, f"body larger than {settings.webhook_max_body} bytes")
    keys = public_keys(settings.sendgrid_webhook_public_key)
    if keys:
        try:
            _verify_any(keys, request, body, ctx.now().timestamp(), settings)
        except WebhookSignatureError as err:
            log.warning("webhook: refused from %s: %s", peer, err)
            return _error(403, f"signature refused: {err}")
    elif not settings.webhook_unsigned_dev:
        # create_app's start-up check refuses this configuration; never store unsigned events
        return _error(403, "no webhook public key configured")
    try:
        # parsing a few MB of JSON and storing it both run off the event loop
        report = await run_in_threadpool(_ingest, ctx, body)
    except WebhookError as err:
        log.warning("webhook: bad request from %s: %s", peer, err)
        return _error(400, str(err))
    except StorageError as err:
        # the class only: a driver message can carry SQL parameters (addresses) or a DSN
        log.error("webhook: storage failed (%s); answered 503 so SendGrid retries", type(err))
        return JSONResponse(
            {"error": "storage unavailable, retry later"},
            status_code=503,
            headers={"Retry-After": "60"},
        )
    return JSONResponse(report.summary())
