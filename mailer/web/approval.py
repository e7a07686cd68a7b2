"""The approval page of an edition: its state, the approved revision, the check, and the
approve (with a note) and unapprove forms. Four-eyes: `pipeline.editions.approval` refuses the
author of the revision, unless MAILER_APPROVAL_SINGLE_PERSON allows one person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mailer.core.accounts import Permission
from mailer.core.accounts.four_eyes import FourEyesError, same_person
from mailer.core.edition.content import Severity
from mailer.core.errors import ContentError
from mailer.pipeline.editions import approval
from mailer.pipeline.editions.check import approval_status
from mailer.pipeline.editions.review import checked
from mailer.pipeline.editions.review_request import MAX_MESSAGE, request_approval
from mailer.web.review_common import edition_pages, existing_revision
from mailer.web.sessions import Visitor, check_csrf, require_account, require_permission
from mailer.web.shell import ctx_of, signed_in_page, strings

__all__ = ["router"]

router = APIRouter()

Approver = Annotated[Visitor, Depends(require_permission(Permission.APPROVE))]
MAX_NOTE = 2000
DONE = ("approved", "unapproved", "requested", "noapprover")  # the message after a redirect
Writer = Annotated[Visitor, Depends(require_permission(Permission.EDIT_EDITIONS))]


def _approver(who: Visitor) -> approval.Approver:
    account = who.account
    assert account is not None
    return approval.Approver(account.email, (account.email, account.display_name), account.email)


def _page(
    request: Request,
    who: Visitor,
    month: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    note: str = "",
    override: str = "",
    done: str | None = None,
    asked: int = 0,
) -> Response:
    ctx = ctx_of(request)
    revision = existing_revision(request, month)
    account = who.account
    assert account is not None
    report = checked(ctx, month)
    edition = approval_status(ctx, month)
    own = same_person(revision.author, _approver(who).identities)
    return signed_in_page(
        request,
        who,
        "review_approval.html",
        status=status,
        nav="",
        month=month,
        edition_nav=edition_pages(who, month),
        current="approval",
        edition=edition,
        revision=revision,
        report=report,
        errors_found=[p for p in report.problems if p.severity is Severity.ERROR],
        overridable=[p for p in report.problems if p.severity is Severity.OVERRIDABLE],
        warnings=[p for p in report.problems if p.severity is Severity.WARNING],
        may_approve=account.may(Permission.APPROVE),
        own_revision=own,
        single_person_allowed=ctx.settings.approval_single_person,
        errors=errors or {},
        note=note,
        override=override,
        done=done,
        asked=asked,
        may_request=account.may(Permission.EDIT_EDITIONS),
        max_message=MAX_MESSAGE,
    )


@router.get("/editions/{month}/approval", response_class=HTMLResponse)
def approval_page(
    request: Request,
    month: str,
    who: Annotated[Visitor, Depends(require_account)],
    done: str | None = None,
    asked: int = 0,
) -> Response:
    return _page(request, who, month, done=done if done in DONE else None, asked=asked)


@router.post("/editions/{month}/approval/request", dependencies=[Depends(check_csrf)])
def ask_for_approval(
    request: Request,
    month: str,
    who: Writer,
    message: Annotated[str, Form(max_length=MAX_MESSAGE)] = "",
) -> Response:
    revision = existing_revision(request, month)
    assert who.account is not None
    sent = request_approval(ctx_of(request), revision, who.account, message)
    done = "requested" if sent.asked else "noapprover"
    return RedirectResponse(
        f"/editions/{month}/approval?done={done}&asked={len(sent.asked)}", status_code=303
    )


@router.post("/editions/{month}/approve", dependencies=[Depends(check_csrf)])
def approve(
    request: Request,
    month: str,
    who: Approver,
    note: Annotated[str, Form(max_length=MAX_NOTE)] = "",
    override: Annotated[str, Form(max_length=MAX_NOTE)] = "",
) -> Response:
    ctx = ctx_of(request)
    existing_revision(request, month)
    assert who.account is not None
    t = strings(ctx.settings, who.account.ui_language)
    try:
        approval.approve(ctx, month, _approver(who), note=note, override=override.strip() or None)
    except FourEyesError as err:
        errors = {"form": t["review_error_four_eyes"].format(author=err.author)}
        return _page(request, who, month, status=403, errors=errors, note=note, override=override)
    except ContentError as err:
        if "--override" in str(err):  # overridable problems and no reason given
            errors = {"override": t["review_error_override_missing"]}
        else:
            errors = {"form": t["review_error_check"].format(problem=str(err))}
        return _page(request, who, month, status=400, errors=errors, note=note, override=override)
    return RedirectResponse(f"/editions/{month}/approval?done=approved", status_code=303)


@router.post("/editions/{month}/unapprove", dependencies=[Depends(check_csrf)])
def unapprove(request: Request, month: str, who: Approver) -> Response:
    ctx = ctx_of(request)
    existing_revision(request, month)
    assert who.account is not None
    try:
        approval.unapprove(ctx, month, who.account.email)
    except ContentError:
        t = strings(ctx.settings, who.account.ui_language)
        errors = {"form": t["review_error_nothing_to_withdraw"]}
        return _page(request, who, month, status=409, errors=errors)
    return RedirectResponse(f"/editions/{month}/approval?done=unapproved", status_code=303)
