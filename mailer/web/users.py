"""Users in the workspace (admins, Permission.MANAGE_USERS): `/users` lists every account with
its role and state; an admin invites a new user (who chooses their own password through a
mailed link), changes a role, disables or enables an account, or sends a password link.

Every action is a POST with the session's CSRF token and lands back on the list with a notice
(303, so a reload repeats nothing); a refused one shows the list again with the reason beside
its field. The rules (never one's own account, always an active admin) live in
`pipeline.user_admin`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mailer.core.accounts import AccountError, Permission, UiLanguage, UserRole
from mailer.pipeline import user_admin
from mailer.pipeline.accounts import list_accounts
from mailer.pipeline.password_links import LinkSent
from mailer.web.sessions import Visitor, check_csrf, require_permission
from mailer.web.shell import ctx_of, signed_in_page, strings

__all__ = ["account_error_text", "router"]

router = APIRouter()

Admin = Annotated[Visitor, Depends(require_permission(Permission.MANAGE_USERS))]
Email = Annotated[str, Form(max_length=320)]
# The notices the list can show after a redirect (`?done=`), each with the account's address.
DONE = ("invited", "link", "unsent", "role", "disabled", "enabled")


def account_error_text(t: dict[str, str], err: AccountError) -> str:
    return t[f"account_error_{err.problem.value}"]


def _actor(who: Visitor) -> str:
    assert who.account is not None
    return who.account.email


def _list(
    request: Request,
    who: Visitor,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    done: str | None = None,
    email: str = "",
) -> HTMLResponse:
    ctx = ctx_of(request)
    assert who.account is not None
    t = strings(ctx.settings, who.account.ui_language)
    return signed_in_page(
        request,
        who,
        "users.html",
        status=status,
        nav="users",
        users=list_accounts(ctx),
        roles=[r.value for r in UserRole],
        role_options=[(r.value, t[f"role_{r.value}"]) for r in UserRole],
        language_options=[(lang.value, t[f"language_{lang.value}"]) for lang in UiLanguage],
        hours=ctx.settings.confirmation_link_hours,
        errors=errors or {},
        form=form or {},
        done=done if done in DONE else None,
        done_email=email,
    )


def _back(done: str, email: str) -> RedirectResponse:
    return RedirectResponse("/users?" + urlencode({"done": done, "email": email}), status_code=303)


def _refused(request: Request, who: Visitor, err: AccountError, **form: str) -> HTMLResponse:
    """The list again with why: beside the add form's field when the add form was sent, else
    (an action on a row of the table) in the summary at the top."""
    assert who.account is not None
    t = strings(ctx_of(request).settings, who.account.ui_language)
    field = "form"
    if form:
        field = err.field if err.field in ("email", "name", "role") else "email"
    return _list(request, who, status=400, errors={field: account_error_text(t, err)}, form=form)


@router.get("/users", response_class=HTMLResponse)
def users_page(
    request: Request, who: Admin, done: str | None = None, email: str = ""
) -> HTMLResponse:
    return _list(request, who, done=done, email=email[:320])


@router.post("/users/invite", dependencies=[Depends(check_csrf)])
def invite(
    request: Request,
    who: Admin,
    *,
    email: Email = "",
    name: Annotated[str, Form(max_length=400)] = "",
    role: Annotated[UserRole, Form()] = UserRole.COORDINATOR,
    language: Annotated[UiLanguage, Form()] = UiLanguage.FI,
) -> Response:
    form = {"email": email, "name": name, "role": role.value, "language": language.value}
    try:
        account, sent = user_admin.invite(
            ctx_of(request),
            email=email,
            role=role,
            display_name=name,
            ui_language=language,
            actor=_actor(who),
        )
    except AccountError as err:
        return _refused(request, who, err, **form)
    return _back("invited" if sent.error is None else "unsent", account.email)


def _act(
    request: Request, who: Visitor, email: str, done: str, action: Callable[..., object]
) -> Response:
    """Run one of `user_admin`'s actions on `email`; the list again with the reason when it is
    refused, else back to the list with the `done` notice ("unsent" when a link's mail failed)."""
    try:
        result = action(ctx_of(request), email, actor=_actor(who))
    except AccountError as err:
        return _refused(request, who, err)
    if isinstance(result, LinkSent) and result.error is not None:
        done = "unsent"
    return _back(done, email.strip().lower())


@router.post("/users/role", dependencies=[Depends(check_csrf)])
def change_role(
    request: Request, who: Admin, *, email: Email = "", role: Annotated[UserRole, Form()]
) -> Response:
    return _act(request, who, email, "role", partial(user_admin.set_role, role=role))


@router.post("/users/disable", dependencies=[Depends(check_csrf)])
def disable(request: Request, who: Admin, email: Email = "") -> Response:
    return _act(request, who, email, "disabled", user_admin.disable)


@router.post("/users/enable", dependencies=[Depends(check_csrf)])
def enable(request: Request, who: Admin, email: Email = "") -> Response:
    return _act(request, who, email, "enabled", user_admin.enable)


@router.post("/users/link", dependencies=[Depends(check_csrf)])
def send_link(request: Request, who: Admin, email: Email = "") -> Response:
    return _act(request, who, email, "link", user_admin.send_reset)
