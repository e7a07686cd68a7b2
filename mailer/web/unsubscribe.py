"""The unsubscribe link of every letter: `{public_url}/u/{token}`.

RFC 8058 (one-click unsubscribe): the letter carries `List-Unsubscribe: <https://.../u/TOKEN>` and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`; a mail client then POSTs the body
`List-Unsubscribe=One-Click` to the URL, without cookies and without following redirects, and
expects the unsubscribe to take effect from that request alone. So POST unsubscribes at once
(no login, no second confirmation, no redirect) and is idempotent. A GET only shows a page with a
button: link scanners and mail-security proxies fetch every URL in a message (RFC 8058 section 3.2
warns of exactly that), and a fetch must never unsubscribe anyone.

A bad token (forged, truncated, another installation's) and a token of a contact that is no longer
in the register answer the same bilingual 404 page: nothing tells whether a contact exists.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from mailer.config import Settings
from mailer.core.errors import StorageError
from mailer.core.models import Language
from mailer.pipeline import Context
from mailer.pipeline import unsubscribe as unsubscribing
from mailer.web.bodies import BodyTooLargeError, read_limited
from mailer.web.pages import html_response, public_strings, security_headers

__all__ = ["router"]

router = APIRouter()

SOURCE_ONE_CLICK = "one-click"
SOURCE_WEB_FORM = "web-form"
ONE_CLICK_BODY = b"List-Unsubscribe=One-Click"
# A one-click body is 26 bytes; a form post a few hundred. Nothing legitimate comes near this.
MAX_BODY = 64 * 1024


def _masked(email: str) -> str:
    """a…@espoo.example: enough for the person to recognise the address, little for anyone who
    is shown a forwarded link."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


def _not_found(settings: Settings) -> HTMLResponse:
    return html_response(
        settings,
        "public/not_found.html",
        status=404,
        lang=Language.FI.value,
        fi=public_strings(settings, Language.FI),
        sv=public_strings(settings, Language.SV),
    )


def _unavailable(settings: Settings) -> Response:
    """503 with Retry-After when the database is locked or down: a mail client retries a
    one-click POST, and a person can reload; a 500 would look final."""
    headers = {**security_headers(settings), "Retry-After": "30"}
    return Response("Service unavailable, try again shortly.", status_code=503, headers=headers)


@router.get("/u/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request) -> Response:
    ctx: Context = request.app.state.ctx
    try:
        owner = unsubscribing.link_owner(ctx, token)
    except StorageError:
        return _unavailable(ctx.settings)
    if owner is None:
        return _not_found(ctx.settings)
    return html_response(
        ctx.settings,
        "public/unsubscribe.html",
        lang=owner.language.value,
        t=public_strings(ctx.settings, owner.language),
        email=_masked(owner.email),
        done=owner.unsubscribed,
    )


async def _source(request: Request) -> str:
    """RFC 8058 section 3.1: the one-click POST body is `List-Unsubscribe=One-Click`, sent as
    application/x-www-form-urlencoded or multipart/form-data (a client that labels it otherwise
    is still understood). Our own page's button sends no such field. Any other POST still
    unsubscribes: it is a deliberate action, never a link scanner's GET."""
    raw = await request.body()  # read_limited kept it: form() then parses these bytes
    if raw.strip() == ONE_CLICK_BODY:
        return SOURCE_ONE_CLICK
    try:
        form = await request.form()
    except Exception:  # a body we cannot parse still means "unsubscribe me"
        return SOURCE_WEB_FORM
    try:
        value = form.get("List-Unsubscribe")
    finally:
        await form.close()
    return SOURCE_ONE_CLICK if value == "One-Click" else SOURCE_WEB_FORM


@router.post("/u/{token}", response_class=HTMLResponse)
async def unsubscribe(token: str, request: Request) -> Response:
    ctx: Context = request.app.state.ctx
    try:
        await read_limited(request, MAX_BODY)  # counted as it arrives, chunked or not
    except BodyTooLargeError:
        return Response(status_code=413, headers=security_headers(ctx.settings))
    source = await _source(request)
    try:
        owner = await run_in_threadpool(unsubscribing.link_owner, ctx, token)
        if owner is None:
            return _not_found(ctx.settings)
        await run_in_threadpool(unsubscribing.unsubscribe, ctx, owner.contact_id, source=source)
    except StorageError:
        return _unavailable(ctx.settings)
    return html_response(
        ctx.settings,
        "public/unsubscribed.html",
        lang=owner.language.value,
        t=public_strings(ctx.settings, owner.language),
        email=_masked(owner.email),
    )
