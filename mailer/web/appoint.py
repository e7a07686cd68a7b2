"""The appointment link's pages, public and bilingual (fi/sv by `?lang=`):

- `/appoint/{token}`: the organisation appoints one or two VIPU contacts (support, welfare);
- `/appoint/confirm/{token}`: an appointee confirms (GET shows a button, the POST confirms:
  mail scanners open links, and opening must change nothing).

Every POST carries the page's form token (an HMAC of the link, its own purpose) and is rate
limited per client and per link through the database, so several server processes share the
count. Unknown, forged and ended links all get the same page.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from mailer.config import Settings
from mailer.core.models import Language, Role
from mailer.core.roster.values import check_email
from mailer.pipeline import Context
from mailer.pipeline.appointments.appoint import (
    Appointee,
    confirm_appointee,
    confirm_view,
    open_request,
    submit_appointees,
)
from mailer.pipeline.throttle import ThrottlePolicy, check_and_record_failure
from mailer.web.pages import html_response
from mailer.web.sessions import client_address

__all__ = ["router"]

router = APIRouter()
T = TypeVar("T")

ROLES = ((Role.SUPPORT, True), (Role.WELFARE, False))  # (role, required)
FIELDS = ("first_name", "last_name", "email", "language")
MAX_NAME = 200
# Each POST counts; more than this many per link or per client in the window is refused.
POSTS = ThrottlePolicy(max_failures=10)


@cache
def _catalogue(templates_dir: Path, language: str) -> dict[str, str]:
    path = templates_dir / "web" / "appoint" / "i18n" / f"{language}.yaml"
    return {str(k): str(v) for k, v in yaml.safe_load(path.read_text("utf-8")).items()}


def _language(value: str | None) -> Language:
    return Language.SV if value == Language.SV.value else Language.FI


def _ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def _t(settings: Settings, language: Language) -> dict[str, str]:
    return _catalogue(settings.templates_dir.resolve(), language.value)


def _form_token(settings: Settings, purpose: str, token: str) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"appoint.{purpose}:{token}".encode(), hashlib.sha256).hexdigest()


def _page(
    settings: Settings, template: str, language: Language, status: int = 200, **values: Any
) -> HTMLResponse:
    other = Language.FI if language is Language.SV else Language.SV
    return html_response(
        settings,
        f"appoint/{template}",
        status=status,
        lang=language.value,
        other=other.value,
        t=_t(settings, language),
        **values,
    )


def _message(settings: Settings, language: Language, kind: str, status: int = 200) -> HTMLResponse:
    t = _t(settings, language)
    return _page(
        settings,
        "message.html",
        language,
        status,
        title=t[f"{kind}_title"],
        body=t[f"{kind}_body"],
        done=kind in {"thanks", "confirmed", "used"},
    )


def _not_found(settings: Settings, language: Language) -> HTMLResponse:
    return _message(settings, language, "not_found", 404)


def _throttled(
    ctx: Context, request: Request, token: str, language: Language
) -> HTMLResponse | None:
    for key in (f"client:{client_address(request)}", f"link:{token}"):
        verdict = check_and_record_failure(ctx, "appoint", key, POSTS)
        if not verdict.allowed:
            response = _message(ctx.settings, language, "throttled", 429)
            response.headers["Retry-After"] = str(verdict.retry_after)
            return response
    return None


def _day(ctx: Context, request_expires: Any) -> str:
    local = request_expires.astimezone(ctx.zone)
    return f"{local.day}.{local.month}.{local.year}"


@router.get("/appoint/{token}", response_class=HTMLResponse)
def appoint_form(token: str, request: Request, lang: str | None = None) -> HTMLResponse:
    ctx = _ctx(request)
    language = _language(lang)
    found = open_request(ctx, token)
    if found is None:
        return _not_found(ctx.settings, language)
    return _form(
        ctx, token, language, organisation=found.organisation,
        until=_day(ctx, found.expires_at), values={}, errors={},
    )  # fmt: skip


def _form(
    ctx: Context,
    token: str,
    language: Language,
    *,
    organisation: str,
    until: str,
    values: dict[str, str],
    errors: dict[str, str],
) -> HTMLResponse:
    t = _t(ctx.settings, language)
    labels = {
        f"{role.value}_{field}": f"{t['person_' + role.value]}, {t[field].lower()}"
        for role, _required in ROLES
        for field in FIELDS
    }
    return _page(
        ctx.settings,
        "form.html",
        language,
        400 if errors else 200,
        organisation=organisation,
        until=until,
        roles=[role.value for role, _required in ROLES],
        values=values,
        errors=errors,
        labels=labels,
        form_token=_form_token(ctx.settings, "form", token),
    )


def _person(
    values: dict[str, str], role: Role, required: bool, t: dict[str, str]
) -> tuple[Appointee | None, dict[str, str]]:
    prefix = f"{role.value}_"
    given = {f: values.get(prefix + f, "").strip() for f in FIELDS}
    if not required and not (given["first_name"] or given["last_name"] or given["email"]):
        return None, {}
    errors = {}
    for field in ("first_name", "last_name"):
        if not given[field]:
            errors[prefix + field] = t["error_required"]
        elif len(given[field]) > MAX_NAME:
            errors[prefix + field] = t["error_too_long"]
    address, reason = check_email(given["email"])
    if reason is not None or address is None:
        errors[prefix + "email"] = t["error_required"] if not given["email"] else t["error_email"]
    if errors or address is None:
        return None, errors
    person = Appointee(
        given["first_name"], given["last_name"], address, role, _language(given["language"])
    )
    return person, {}


def _people(values: dict[str, str], t: dict[str, str]) -> tuple[list[Appointee], dict[str, str]]:
    people: list[Appointee] = []
    errors: dict[str, str] = {}
    for role, required in ROLES:
        person, problems = _person(values, role, required, t)
        errors |= problems
        if person is not None:
            if any(p.email == person.email for p in people):
                errors[f"{role.value}_email"] = t["error_same_email"]
            else:
                people.append(person)
    return people, errors


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v[:400] for k, v in form.items() if isinstance(v, str)}


class _Post(NamedTuple):
    ctx: Context
    values: dict[str, str]
    language: Language


async def _checked_post(
    request: Request, token: str, purpose: str, lookup: Callable[[Context, str], T | None]
) -> tuple[_Post, T] | Response:
    """What both POSTs check before acting: the link still names something, the page's form
    token for this link and purpose, and the rate limits. A Response when any fails."""
    ctx = _ctx(request)
    values = await _fields(request)
    language = _language(values.get("lang"))
    found = await run_in_threadpool(lookup, ctx, token)
    if found is None:
        return _not_found(ctx.settings, language)
    expected = _form_token(ctx.settings, purpose, token)
    if not hmac.compare_digest(values.get("form_token", ""), expected):
        return _message(ctx.settings, language, "not_found", 403)
    refused = await run_in_threadpool(_throttled, ctx, request, token, language)
    return refused or (_Post(ctx, values, language), found)


@router.post("/appoint/{token}", response_class=HTMLResponse)
async def appoint_submit(token: str, request: Request) -> Response:
    checked = await _checked_post(request, token, "form", open_request)
    if isinstance(checked, Response):
        return checked
    (ctx, values, language), found = checked
    people, errors = _people(values, _t(ctx.settings, language))
    if errors:
        until = _day(ctx, found.expires_at)
        return _form(
            ctx, token, language, organisation=found.organisation, until=until,
            values=values, errors=errors,
        )  # fmt: skip
    await run_in_threadpool(submit_appointees, ctx, found, people)
    return _message(ctx.settings, language, "thanks")


@router.get("/appoint/confirm/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request, lang: str | None = None) -> HTMLResponse:
    ctx = _ctx(request)
    view = confirm_view(ctx, token)
    language = _language(lang or (view.appointee.language if view else None))
    if view is None:
        return _not_found(ctx.settings, language)
    if view.appointee.confirmed_at is not None:
        return _message(ctx.settings, language, "used")
    return _page(
        ctx.settings,
        "confirm.html",
        language,
        organisation=view.request.organisation,
        person=f"{view.appointee.first_name} {view.appointee.last_name}",
        email=view.appointee.email,
        form_token=_form_token(ctx.settings, "confirm", token),
    )


@router.post("/appoint/confirm/{token}", response_class=HTMLResponse)
async def confirm_submit(token: str, request: Request) -> Response:
    checked = await _checked_post(request, token, "confirm", confirm_view)
    if isinstance(checked, Response):
        return checked
    (ctx, _values, language), view = checked
    done = await run_in_threadpool(confirm_appointee, ctx, view)
    return _message(ctx.settings, language, "confirmed" if done else "used")
