"""`POST /webhooks/inbound/{secret}`: SendGrid Inbound Parse, for mail sent to the unsubscribe
address (the `mailto:` of every letter's List-Unsubscribe).

Inbound Parse cannot sign its posts, so the URL carries a secret (MAILER_INBOUND_SECRET, compared
in constant time); without the setting the route does not exist (404). Answers:
- 403 wrong secret: nothing read, nothing stored;
- 413 body over MAILER_INBOUND_MAX_BODY;
- 200 otherwise, whatever the message said: a valid token unsubscribes its contact, anything else
  is kept for a coordinator (`mailer inbound list`). Inbound Parse retries any other answer for
  three days and then drops the message, so a message we cannot use is still answered 200 once it
  is recorded;
- 503 when the database fails (Inbound Parse retries; nothing was recorded).
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from mailer.core.errors import StorageError
from mailer.core.inbound import mail_from_form
from mailer.pipeline import Context
from mailer.pipeline.inbound import handle_mail, handle_unreadable
from mailer.web.bodies import BodyTooLargeError, read_limited

__all__ = ["router"]

router = APIRouter()
# Exempt from the public pages' 64 KiB bound (web/bodies.py): this route bounds its own body at
# MAILER_INBOUND_MAX_BODY, since a reply can carry a quoted letter or an attachment.
PATH = "/webhooks/inbound/"
log = logging.getLogger("mailer.web.inbound")
# Inbound Parse's text fields are a dozen; attachments arrive as files, which we do not keep.
MAX_FIELDS = 100
MAX_FILES = 50


def _secret_ok(ctx: Context, given: str) -> bool:
    expected = ctx.settings.inbound_secret
    return expected is not None and hmac.compare_digest(
        given.encode(), expected.get_secret_value().encode()
    )


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)
    try:
        return {key: value for key, value in form.items() if isinstance(value, str)}
    finally:
        await form.close()


@router.post(PATH + "{secret}")
async def inbound(secret: str, request: Request) -> Response:
    ctx: Context = request.app.state.ctx
    if ctx.settings.inbound_secret is None:
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    if not _secret_ok(ctx, secret):
        return JSONResponse({"error": "forbidden"}, status_code=403)
    try:
        await read_limited(request, ctx.settings.inbound_max_body)
    except BodyTooLargeError:
        return JSONResponse({"error": "message too large"}, status_code=413)
    try:
        try:
            fields = await _fields(request)
        except Exception as err:
            log.warning("inbound: unreadable form (%s)", type(err).__name__)
            await run_in_threadpool(
                handle_unreadable, ctx, f"unreadable form ({type(err).__name__})"
            )
            return JSONResponse({"outcome": "kept"})
        outcome = await run_in_threadpool(handle_mail, ctx, mail_from_form(fields))
    except StorageError:
        return JSONResponse(
            {"error": "storage unavailable, retry later"},
            status_code=503,
            headers={"Retry-After": "60"},
        )
    return JSONResponse({"outcome": outcome.value})
