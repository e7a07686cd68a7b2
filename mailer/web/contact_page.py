"""The contact's own page `/p/{token}` and its confirmation links (issue 15).

GET never changes anything: link scanners and mail-security proxies fetch every URL of a
letter. Every POST first counts against the rate limit (per client address and per link,
shared by every process through the database: 429 with Retry-After), then needs the page's
form token (an HMAC over the very token in the URL, so no other site can post it), and answers
with a redirect back to the page (the message in `?done=`, one of a fixed few: no open
redirect). A bad, foreign, ended or erased-contact token is the same bilingual 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from mailer.core.contacts.forms import (
    DETAIL_ROLES,
    SUCCESSOR_ROLES,
    check_address,
    check_details,
    check_successor,
)
from mailer.core.contacts.links import form_token, same_form_token
from mailer.core.models import Language
from mailer.pipeline import Context
from mailer.pipeline.contact_page import actions
from mailer.pipeline.contact_page.confirm import name_successor, request_address_change
from mailer.pipeline.contact_page.owner import PageOwner, page_owner, post_refused
from mailer.web.contact_refusals import form_expired, not_found, too_many
from mailer.web.pages import html_response, public_strings
from mailer.web.sessions import client_address

__all__ = ["FORM_FIELD", "read_form", "refused", "router"]

router = APIRouter()

FORM_FIELD = "form_token"
DONE = ("language", "details", "nothing", "address", "successor", "unsubscribed")
_SUCCESSOR_FIELDS = {  # the page's field names -> the form check's (ids are unique per page)
    "successor_first_name": "first_name",
    "successor_last_name": "last_name",
    "successor_email": "email",
    "successor_role": "role",
    "stop_now": "stop_now",
}


def _ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def _language(value: str | None, default: Language) -> Language:
    return Language(value) if value in ("fi", "sv") else default


def _page(
    ctx: Context,
    owner: PageOwner,
    token: str,
    *,
    lang: Language | None = None,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    shown = lang or owner.language
    return html_response(
        ctx.settings,
        "public/contact_page.html",
        status=status,
        lang=shown.value,
        t=public_strings(ctx.settings, shown),
        owner=owner,
        token=token,
        other=Language.SV if owner.language is Language.FI else Language.FI,
        form_token=form_token(ctx.settings.secret_key.get_secret_value(), token),
        errors=errors or {},
        values=values or {},
        done=done,
        detail_roles=[r.value for r in DETAIL_ROLES],
        successor_roles=[r.value for r in SUCCESSOR_ROLES],
    )


@router.get("/p/{token}", response_class=HTMLResponse)
def contact_page(
    token: str, request: Request, lang: str | None = None, done: str | None = None
) -> Response:
    ctx = _ctx(request)
    owner = page_owner(ctx, token)
    if owner is None:
        return not_found(ctx.settings)
    shown = _language(lang, owner.language)
    return _page(ctx, owner, token, lang=shown, done=done if done in DONE else None)


async def read_form(request: Request) -> dict[str, str]:
    form = await request.form()
    try:
        return {k: v for k, v in form.items() if isinstance(v, str)}
    finally:
        await form.close()


async def refused(request: Request, link: str, form: dict[str, str]) -> Response | None:
    """The rate limit, then the form token bound to `link`: the response refusing the POST, or
    None to go on."""
    ctx = _ctx(request)
    wait = await run_in_threadpool(post_refused, ctx, client_address(request), link)
    if wait is not None:
        return too_many(ctx.settings, wait)
    secret = ctx.settings.secret_key.get_secret_value()
    if not same_form_token(secret, link, form.get(FORM_FIELD)):
        return form_expired(ctx.settings)
    return None


async def _owner_post(request: Request, token: str) -> tuple[PageOwner | None, Any]:
    """(owner, form) of a POST to the page, or (None, the refusing response)."""
    ctx = _ctx(request)
    form = await read_form(request)
    refusal = await refused(request, token, form)
    if refusal is not None:
        return None, refusal
    owner = await run_in_threadpool(page_owner, ctx, token)
    if owner is None:
        return None, not_found(ctx.settings)
    return owner, form


def _back(token: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/p/{token}?done={done}", status_code=303)


@router.post("/p/{token}/language")
async def switch_language(token: str, request: Request) -> Response:
    owner, form = await _owner_post(request, token)
    if owner is None:
        return form  # type: ignore[no-any-return]
    wanted = _language(form.get("language"), owner.language)
    await run_in_threadpool(actions.switch_language, _ctx(request), owner, wanted)
    return _back(token, "language")


@router.post("/p/{token}/details")
async def correct_details(token: str, request: Request) -> Response:
    owner, form = await _owner_post(request, token)
    if owner is None:
        return form  # type: ignore[no-any-return]
    details, problems = check_details(form)
    if details is None:
        return _page(_ctx(request), owner, token, status=422, errors=problems, values=form)
    changed = await run_in_threadpool(actions.correct_details, _ctx(request), owner, details)
    return _back(token, "details" if changed else "nothing")


@router.post("/p/{token}/address")
async def change_address(token: str, request: Request) -> Response:
    owner, form = await _owner_post(request, token)
    if owner is None:
        return form  # type: ignore[no-any-return]
    email, problems = check_address({"email": form.get("new_email", "")}, owner.email)
    if email is None:
        errors = {"new_email": problems["email"]}
        return _page(_ctx(request), owner, token, status=422, errors=errors, values=form)
    # The same answer whether or not the address is in use by someone else: the confirmation
    # says so, to the owner of that address only (no enumeration from this page).
    await run_in_threadpool(request_address_change, _ctx(request), owner, email)
    return _back(token, "address")


@router.post("/p/{token}/successor")
async def successor(token: str, request: Request) -> Response:
    owner, form = await _owner_post(request, token)
    if owner is None:
        return form  # type: ignore[no-any-return]
    fields = {inner: form.get(outer, "") for outer, inner in _SUCCESSOR_FIELDS.items()}
    named, problems = check_successor(fields, owner.email)
    if named is None:
        outer = {inner: outer for outer, inner in _SUCCESSOR_FIELDS.items()}
        errors = {outer[name]: code for name, code in problems.items()}
        return _page(_ctx(request), owner, token, status=422, errors=errors, values=form)
    await run_in_threadpool(name_successor, _ctx(request), owner, named)
    return _back(token, "successor")


@router.post("/p/{token}/unsubscribe")
async def unsubscribe(token: str, request: Request) -> Response:
    owner, form = await _owner_post(request, token)
    if owner is None:
        return form  # type: ignore[no-any-return]
    await run_in_threadpool(actions.unsubscribe, _ctx(request), owner)
    return _back(token, "unsubscribed")
