"""The contact page's confirmation links: `/confirm/address/{token}` (sent to a new address)
and `/confirm/successor/{token}` (sent to a named successor). GET shows what the link grants and
a button; only the POST (rate limited, with the form token bound to the link) acts. An ended,
forged or foreign link, and one whose contact was erased, is the same bilingual 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from mailer.core.contacts.links import form_token
from mailer.core.models import Language
from mailer.pipeline import Context
from mailer.pipeline.contact_page import confirm
from mailer.web.contact_page import read_form, refused
from mailer.web.contact_refusals import not_found
from mailer.web.pages import html_response, public_strings

__all__ = ["router"]

router = APIRouter()


def _ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def _language(value: str | None, default: Language) -> Language:
    return Language(value) if value in ("fi", "sv") else default


def _message(ctx: Context, language: Language, title: str, text: str) -> HTMLResponse:
    t = public_strings(ctx.settings, language)
    return html_response(
        ctx.settings, "public/contact_message.html", lang=language.value, t=t, title=t[title],
        text=text,
    )  # fmt: skip


def _confirm_page(
    ctx: Context, language: Language, token: str, kind: str, body: str, **more: Any
) -> HTMLResponse:
    return html_response(
        ctx.settings,
        "public/contact_confirm.html",
        lang=language.value,
        t=public_strings(ctx.settings, language),
        kind=kind,
        body=body,
        form_token=form_token(ctx.settings.secret_key.get_secret_value(), token),
        **more,
    )


@router.get("/confirm/address/{token}", response_class=HTMLResponse)
def address_page(token: str, request: Request) -> Response:
    ctx = _ctx(request)
    link = confirm.address_link(ctx, token)
    if link is None:
        return not_found(ctx.settings)
    language = link.owner.language
    body = public_strings(ctx.settings, language)["confirm_address_body"]
    return _confirm_page(ctx, language, token, "address", body.format(email=link.new_email))


@router.post("/confirm/address/{token}")
async def confirm_address(token: str, request: Request) -> Response:
    ctx = _ctx(request)
    form = await read_form(request)
    refusal = await refused(request, token, form)
    if refusal is not None:
        return refusal
    link = await run_in_threadpool(confirm.address_link, ctx, token)
    if link is None:
        return not_found(ctx.settings)
    outcome = await run_in_threadpool(confirm.confirm_address, ctx, link)
    language = link.owner.language
    t = public_strings(ctx.settings, language)
    text = {
        confirm.AddressOutcome.CHANGED: t["address_changed"].format(email=link.new_email),
        confirm.AddressOutcome.ALREADY: t["address_already"],
        confirm.AddressOutcome.TAKEN: t["address_taken"],
    }[outcome]
    return _message(ctx, language, "confirm_address_title", text)


@router.get("/confirm/successor/{token}", response_class=HTMLResponse)
def successor_page(token: str, request: Request, lang: str | None = None) -> Response:
    ctx = _ctx(request)
    link = confirm.successor_link(ctx, token)
    if link is None:
        return not_found(ctx.settings)
    language = _language(lang, link.leaver.language)
    body = public_strings(ctx.settings, language)["successor_confirm_body"].format(
        leaver=f"{link.leaver.first_name} {link.leaver.last_name}",
        organisation=link.leaver.organisation,
        email=link.email,
    )
    other = Language.SV if language is Language.FI else Language.FI
    return _confirm_page(
        ctx, language, token, "successor", body, default=link.leaver.language.value, other=other
    )


@router.post("/confirm/successor/{token}")
async def confirm_successor(token: str, request: Request) -> Response:
    ctx = _ctx(request)
    form = await read_form(request)
    refusal = await refused(request, token, form)
    if refusal is not None:
        return refusal
    link = await run_in_threadpool(confirm.successor_link, ctx, token)
    if link is None:
        return not_found(ctx.settings)
    language = _language(form.get("language"), link.leaver.language)
    outcome = await run_in_threadpool(confirm.confirm_successor, ctx, link, language)
    key = {
        confirm.SuccessorOutcome.PENDING: "successor_pending",
        confirm.SuccessorOutcome.ACTIVE: "successor_active",
        confirm.SuccessorOutcome.ALREADY_LISTED: "successor_already",
    }[outcome]
    return _message(
        ctx, language, "successor_confirm_title", public_strings(ctx.settings, language)[key]
    )
