"""The changes a coordinator makes on a contact's page (details, unsubscribe, reactivate) and
an admin's erasure with its confirmation step. Each answers with the page again (errors tied to
their fields, status 400) or a redirect to it (303, so a reload never posts twice)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mailer.core.accounts import Permission
from mailer.pipeline.contact_edits import (
    Outcome,
    edit_contact,
    erase_contact_by_id,
    reactivate,
    unsubscribe,
)
from mailer.pipeline.register_browse import contact_record
from mailer.web.register import filter_choices
from mailer.web.sessions import Visitor, check_csrf, require_permission
from mailer.web.shell import ctx_of, signed_in_page, strings

__all__ = ["router"]

router = APIRouter()

Manager = Annotated[Visitor, Depends(require_permission(Permission.MANAGE_CONTACTS))]
Eraser = Annotated[Visitor, Depends(require_permission(Permission.ERASE))]
Text = Annotated[str, Form(max_length=2000)]
NOTE_MAX = 2000


def _actor(who: Visitor) -> str:
    assert who.account is not None
    return who.account.email


def _again(
    request: Request, who: Visitor, contact_id: int, form: dict[str, str], errors: dict[str, str]
) -> Response:
    """The contact's page with the posted values and the field errors (nothing was saved)."""
    record = contact_record(ctx_of(request), contact_id)
    if record is None:
        raise HTTPException(status_code=404, detail="no such contact")
    account = who.account
    assert account is not None
    return signed_in_page(
        request, who, "contact.html", status=400, nav="contacts", record=record,
        c=record.contact, choices=filter_choices(), form=form, errors=errors, notice="",
        may_manage=account.may(Permission.MANAGE_CONTACTS),
        may_erase=account.may(Permission.ERASE),
    )  # fmt: skip


def _done(contact_id: int, what: str) -> Response:
    return RedirectResponse(f"/contacts/{contact_id}?done={what}", status_code=303)


def _t(request: Request, who: Visitor) -> dict[str, str]:
    assert who.account is not None
    return strings(ctx_of(request).settings, who.account.ui_language)


@router.post("/contacts/{contact_id}", dependencies=[Depends(check_csrf)])
def save_details(
    request: Request,
    who: Manager,
    contact_id: int,
    *,
    first_name: Text = "",
    last_name: Text = "",
    email: Text = "",
    title: Text = "",
    role: Text = "",
    organisation: Text = "",
    region: Text = "",
    language: Text = "",
) -> Response:
    given = {
        "first_name": first_name, "last_name": last_name, "email": email, "title": title,
        "role": role, "organisation": organisation, "region": region, "language": language,
    }  # fmt: skip
    result = edit_contact(ctx_of(request), contact_id, given, actor=_actor(who))
    if result.outcome is Outcome.NOT_FOUND:
        raise HTTPException(status_code=404, detail="no such contact")
    if result.errors:
        t = _t(request, who)
        errors = {name: t[f"contact_error_{code.value}"] for name, code in result.errors.items()}
        return _again(request, who, contact_id, given, errors)
    return _done(contact_id, "saved" if result.outcome is Outcome.DONE else "unchanged")


def _note_missing(request: Request, who: Visitor, note: str) -> dict[str, str]:
    return {} if note.strip() else {"note": _t(request, who)["contact_error_note_required"]}


@router.post("/contacts/{contact_id}/unsubscribe", dependencies=[Depends(check_csrf)])
def unsubscribe_contact(
    request: Request, who: Manager, contact_id: int, note: Text = ""
) -> Response:
    errors = _note_missing(request, who, note)
    if errors:
        return _again(request, who, contact_id, {"note": note}, errors)
    outcome = unsubscribe(ctx_of(request), contact_id, note=note.strip(), actor=_actor(who))
    if outcome is Outcome.NOT_FOUND:
        raise HTTPException(status_code=404, detail="no such contact")
    return _done(contact_id, "unsubscribed" if outcome is Outcome.DONE else "unchanged")


@router.post("/contacts/{contact_id}/reactivate", dependencies=[Depends(check_csrf)])
def reactivate_contact(
    request: Request, who: Manager, contact_id: int, note: Text = "", override: Text = ""
) -> Response:
    if not note.strip():  # the reactivation's note field is `reason` on the page
        errors = {"reason": _t(request, who)["contact_error_note_required"]}
        return _again(request, who, contact_id, {"reason": note}, errors)
    outcome = reactivate(
        ctx_of(request), contact_id, note=note.strip(), actor=_actor(who), override=override == "1"
    )
    if outcome is Outcome.NOT_FOUND:
        raise HTTPException(status_code=404, detail="no such contact")
    if outcome is Outcome.SPAM_OVERRIDE_NEEDED:
        errors = {"override": _t(request, who)["contact_error_override_required"]}
        return _again(request, who, contact_id, {"reason": note}, errors)
    return _done(contact_id, "reactivated" if outcome is Outcome.DONE else "unchanged")


@router.get("/contacts/{contact_id}/erase", response_class=HTMLResponse)
def confirm_erase(request: Request, who: Eraser, contact_id: int) -> Response:
    record = contact_record(ctx_of(request), contact_id)
    if record is None:
        raise HTTPException(status_code=404, detail="no such contact")
    return signed_in_page(
        request, who, "contact_erase.html", nav="contacts", record=record, c=record.contact,
        errors={},
    )  # fmt: skip


@router.post("/contacts/{contact_id}/erase", dependencies=[Depends(check_csrf)])
def erase(request: Request, who: Eraser, contact_id: int, confirm: Text = "") -> Response:
    ctx = ctx_of(request)
    record = contact_record(ctx, contact_id)
    if record is None:
        raise HTTPException(status_code=404, detail="no such contact")
    # The admin types the address: a confirmation that cannot be clicked through by habit.
    if confirm.strip().lower() != record.contact.email:
        errors = {"confirm": _t(request, who)["contact_error_confirm"]}
        return signed_in_page(
            request, who, "contact_erase.html", status=400, nav="contacts", record=record,
            c=record.contact, errors=errors,
        )  # fmt: skip
    erase_contact_by_id(ctx, contact_id, actor=_actor(who))
    return RedirectResponse("/contacts?erased=1", status_code=303)
