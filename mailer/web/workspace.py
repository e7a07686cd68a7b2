"""The coordinators' workspace: log in and out, the dashboard, the audit log (admins).

Server-rendered, no JavaScript needed. All text comes from the catalogues in
templates/web/workspace/i18n/<fi|sv|en>.yaml: anonymous pages take `?lang=`, the pages behind
login the account's own language, and `<html lang>` says which.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mailer.core.accounts import AuditAction, Permission, UiLanguage
from mailer.core.models import ContactStatus
from mailer.pipeline.accounts import LoginOutcome, log_in, log_out
from mailer.pipeline.audit import audit_csv, audit_page
from mailer.pipeline.dashboard import ReminderKind
from mailer.pipeline.dashboard import dashboard as build_dashboard
from mailer.web.pages import security_headers
from mailer.web.sessions import (
    ANONYMOUS_CSRF_COOKIE,
    Forbidden,
    Visitor,
    anonymous_csrf,
    check_csrf,
    clear_session_cookie,
    client_address,
    new_nonce,
    require_account,
    require_permission,
    session_cookie_name,
    set_anonymous_cookie,
    set_session_cookie,
    visitor,
)
from mailer.web.shell import anonymous_language, ctx_of, page, signed_in_page, strings

__all__ = ["AUDIT_PAGE_SIZE", "forbidden_page", "router"]

router = APIRouter()

AUDIT_PAGE_SIZE = 50
ADMIN_PAGES = (
    ("admin_bounces", "/bounces"),
    ("admin_contacts", "/contacts"),
)


def forbidden_page(request: Request, exc: Exception) -> Response:
    """The app's handler for `Forbidden`: a 403 page in the account's language."""
    assert isinstance(exc, Forbidden)
    return signed_in_page(request, exc.who, "forbidden.html", status=403, nav="")


def _login_form(
    request: Request,
    language: UiLanguage,
    *,
    status: int = 200,
    email: str = "",
    errors: dict[str, str] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    settings = ctx_of(request).settings
    nonce = request.cookies.get(ANONYMOUS_CSRF_COOKIE) or new_nonce()
    response = page(
        settings,
        "login.html",
        language,
        status=status,
        csrf=anonymous_csrf(settings, nonce),
        email=email,
        errors=errors or {},
        done=done if done == "password" else None,
    )
    set_anonymous_cookie(response, settings, nonce)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    who: Annotated[Visitor, Depends(visitor)],
    lang: str | None = None,
    done: str | None = None,
) -> Response:
    if who.account is not None:
        return RedirectResponse("/", status_code=303)
    return _login_form(request, anonymous_language(lang), done=done)


def _missing(email: str, password: str, t: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not email.strip():
        errors["email"] = t["error_email_missing"]
    if not password:
        errors["password"] = t["error_password_missing"]
    return errors


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    lang: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    ctx = ctx_of(request)
    language = anonymous_language(lang)
    t = strings(ctx.settings, language)
    errors = _missing(email, password, t)
    if errors:
        return _login_form(request, language, status=400, email=email, errors=errors)
    result = log_in(ctx, email, password, client=client_address(request))
    if result.outcome is LoginOutcome.THROTTLED:
        errors = {"form": t["error_throttled"]}
        refused = _login_form(request, language, status=429, email=email, errors=errors)
        refused.headers["Retry-After"] = str(result.retry_after)
        return refused
    if result.outcome is not LoginOutcome.OK or result.token is None:
        errors = {"form": t["error_login_refused"]}
        return _login_form(request, language, status=400, email=email, errors=errors)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, ctx.settings, result.token)
    return response


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    ctx = ctx_of(request)
    token = request.cookies.get(session_cookie_name(ctx.settings))
    log_out(ctx, token, client=client_address(request))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, ctx.settings)
    return response


def _edition_href(request: Request) -> str:
    """Where an edition's month links: its overview page when the editor serves one, else its
    preview (the dashboard does not depend on which capability landed first)."""
    paths = {getattr(route, "path", "") for route in request.app.routes}
    return "/editions/{month}" if "/editions/{month}" in paths else "/editions/{month}/preview"


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, who: Annotated[Visitor, Depends(require_account)]) -> Response:
    board = build_dashboard(ctx_of(request))
    assert who.account is not None
    if not who.account.may(Permission.MANAGE_CONTACTS):  # /pending is not theirs to act on
        kept = [r for r in board.reminders if r.kind is not ReminderKind.CONTACTS_PENDING]
        board = board._replace(reminders=kept)
    return signed_in_page(
        request,
        who,
        "dashboard.html",
        nav="dashboard",
        admin_pages=ADMIN_PAGES,
        board=board,
        edition_href=_edition_href(request),
        statuses=[s.value for s in ContactStatus],
    )


def _action(value: str | None) -> AuditAction | None:
    if not value:
        return None
    try:
        return AuditAction(value)
    except ValueError as err:
        raise HTTPException(status_code=400, detail=f"unknown action {value!r}") from err


AuditViewer = Annotated[Visitor, Depends(require_permission(Permission.VIEW_AUDIT))]


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, who: AuditViewer, action: str | None = None, page: int = 1) -> Response:
    chosen = _action(action)
    page = max(page, 1)
    found = audit_page(
        ctx_of(request), action=chosen, offset=(page - 1) * AUDIT_PAGE_SIZE, limit=AUDIT_PAGE_SIZE
    )
    pages = max((found.total + AUDIT_PAGE_SIZE - 1) // AUDIT_PAGE_SIZE, 1)
    keep = {"action": chosen.value} if chosen else {}
    return signed_in_page(
        request,
        who,
        "audit.html",
        nav="audit",
        rows=found.rows,
        total=found.total,
        page=page,
        pages=pages,
        chosen=chosen.value if chosen else "",
        actions=[a.value for a in AuditAction],
        csv_url="/audit.csv" + (f"?{urlencode(keep)}" if keep else ""),
        prev_url=f"?{urlencode({**keep, 'page': page - 1})}" if page > 1 else None,
        next_url=f"?{urlencode({**keep, 'page': page + 1})}" if page < pages else None,
    )


@router.get("/audit.csv")
def audit_download(request: Request, who: AuditViewer, action: str | None = None) -> Response:
    ctx = ctx_of(request)
    found = audit_page(ctx, action=_action(action))
    headers = security_headers(ctx.settings)
    headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return Response(audit_csv(found.rows), media_type="text/csv; charset=utf-8", headers=headers)
