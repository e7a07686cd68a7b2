"""A user's own account (`/account`: name, workspace language, password) and the pages of the
link that lets someone choose a password (`/password/{token}`: an invitation or a reset) or ask
for one (`/password/forgot`).

The link's pages are anonymous: their forms carry the anonymous CSRF token (a signed nonce tied
to a cookie), like the login. GET never changes anything; the password is set by the POST, after
which the link is dead (`pipeline.password_links`). "Forgot" answers the same whether or not the
address has an account, so it tells nobody who has one.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mailer.core.accounts import AccountError, AccountProblem, UiLanguage
from mailer.core.tokens import InvalidTokenError
from mailer.pipeline import user_admin
from mailer.pipeline.password_links import forgot_password, read_password_link
from mailer.web.sessions import (
    ANONYMOUS_CSRF_COOKIE,
    Visitor,
    anonymous_csrf,
    check_csrf,
    client_address,
    new_nonce,
    require_account,
    set_anonymous_cookie,
)
from mailer.web.shell import anonymous_language, ctx_of, page, signed_in_page, strings
from mailer.web.users import account_error_text

__all__ = ["router"]

router = APIRouter()

SignedIn = Annotated[Visitor, Depends(require_account)]
Password = Annotated[str, Form(max_length=4096)]
# One token's length: a signed email, stamp and end (URL-safe base64), with room to spare.
MAX_TOKEN = 600


def _account_page(
    request: Request,
    who: Visitor,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    assert who.account is not None
    t = strings(ctx_of(request).settings, who.account.ui_language)
    return signed_in_page(
        request,
        who,
        "account.html",
        status=status,
        nav="account",
        errors=errors or {},
        done=done if done in ("profile", "password") else None,
        language_options=[(lang.value, t[f"language_{lang.value}"]) for lang in UiLanguage],
    )


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, who: SignedIn, done: str | None = None) -> HTMLResponse:
    return _account_page(request, who, done=done)


@router.post("/account/profile", dependencies=[Depends(check_csrf)])
def save_profile(
    request: Request,
    who: SignedIn,
    name: Annotated[str, Form(max_length=400)] = "",
    language: Annotated[UiLanguage, Form()] = UiLanguage.FI,
) -> Response:
    assert who.account is not None
    try:
        user_admin.update_profile(
            ctx_of(request), who.account.email, display_name=name, ui_language=language
        )
    except AccountError as err:
        t = strings(ctx_of(request).settings, who.account.ui_language)
        errors = {"name": account_error_text(t, err)}
        return _account_page(request, who, status=400, errors=errors)
    return RedirectResponse("/account?done=profile", status_code=303)


@router.post("/account/password", dependencies=[Depends(check_csrf)])
def change_password(
    request: Request,
    who: SignedIn,
    current: Password = "",
    new: Password = "",
    again: Password = "",
) -> Response:
    assert who.account is not None and who.token is not None
    t = strings(ctx_of(request).settings, who.account.ui_language)
    try:
        if new != again:
            raise AccountError("again", "the passwords differ", AccountProblem.PASSWORDS_DIFFER)
        user_admin.change_own_password(
            ctx_of(request), who.account.email, current=current, new=new, session_token=who.token
        )
    except AccountError as err:
        field = err.field if err.field in ("current", "again") else "new"
        errors = {field: account_error_text(t, err)}
        status = 429 if err.problem is AccountProblem.THROTTLED else 400
        return _account_page(request, who, status=status, errors=errors)
    return RedirectResponse("/account?done=password", status_code=303)


def _anonymous(
    request: Request, name: str, language: UiLanguage, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """An anonymous page with a form: the CSRF token bound to the visitor's nonce cookie."""
    settings = ctx_of(request).settings
    nonce = request.cookies.get(ANONYMOUS_CSRF_COOKIE) or new_nonce()
    response = page(
        settings, name, language, status=status, csrf=anonymous_csrf(settings, nonce), **context
    )
    set_anonymous_cookie(response, settings, nonce)
    return response


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_page(request: Request, lang: str | None = None) -> HTMLResponse:
    return _anonymous(request, "password_forgot.html", anonymous_language(lang), sent=False)


@router.post("/password/forgot", dependencies=[Depends(check_csrf)])
def forgot(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    lang: Annotated[str, Form(max_length=8)] = "",
) -> HTMLResponse:
    ctx = ctx_of(request)
    if email.strip():
        forgot_password(ctx, email, client=client_address(request))
    language = anonymous_language(lang)
    hours = ctx.settings.confirmation_link_hours
    return _anonymous(request, "password_forgot.html", language, sent=True, hours=hours)


def _dead_link(request: Request) -> HTMLResponse:
    # The link does not say whose it was any more: the page takes ?lang= like the login.
    language = anonymous_language(request.query_params.get("lang"))
    return _anonymous(request, "password.html", language, status=404, valid=False)


def _link_page(request: Request, token: str, *, status: int = 200, **context: Any) -> Response:
    try:
        row = read_password_link(ctx_of(request), token[:MAX_TOKEN])
    except InvalidTokenError:
        return _dead_link(request)
    return _anonymous(
        request,
        "password.html",
        row.ui_language,
        status=status,
        valid=True,
        email=row.email,
        token=token,
        errors=context.pop("errors", {}),
        **context,
    )


@router.get("/password/{token}", response_class=HTMLResponse)
def link_page(request: Request, token: str) -> Response:
    return _link_page(request, token)


@router.post("/password/{token}", dependencies=[Depends(check_csrf)])
def set_from_link(
    request: Request, token: str, new: Password = "", again: Password = ""
) -> Response:
    ctx = ctx_of(request)
    try:
        row = read_password_link(ctx, token[:MAX_TOKEN])
    except InvalidTokenError:
        return _dead_link(request)
    t = strings(ctx.settings, row.ui_language)
    try:
        if new != again:
            raise AccountError("again", "the passwords differ", AccountProblem.PASSWORDS_DIFFER)
        user_admin.set_password_from_link(ctx, token[:MAX_TOKEN], new)
    except InvalidTokenError:
        return _dead_link(request)
    except AccountError as err:
        field = "again" if err.field == "again" else "new"
        return _link_page(request, token, status=400, errors={field: account_error_text(t, err)})
    query = urlencode({"lang": row.ui_language.value, "done": "password"})
    return RedirectResponse(f"/login?{query}", status_code=303)
