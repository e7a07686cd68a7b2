"""Pending contacts in the workspace: `/pending` lists the successors who confirmed their
address; a coordinator (Permission.MANAGE_CONTACTS) approves (they become active and the
contact who named them is retired) or rejects each. Audited by the pipeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mailer.core.accounts import Permission
from mailer.pipeline.contact_page import pending
from mailer.web.sessions import Visitor, check_csrf, require_permission
from mailer.web.shell import ctx_of, signed_in_page

__all__ = ["router"]

router = APIRouter()

Coordinator = Annotated[Visitor, Depends(require_permission(Permission.MANAGE_CONTACTS))]
DONE = ("approved", "rejected", "gone")


def _actor(who: Visitor) -> str:
    assert who.account is not None
    return who.account.email


@router.get("/pending", response_class=HTMLResponse)
def pending_page(request: Request, who: Coordinator, done: str | None = None) -> Response:
    return signed_in_page(
        request,
        who,
        "pending.html",
        nav="pending",
        rows=pending.list_pending(ctx_of(request)),
        done=done if done in DONE else None,
    )


@router.post("/pending/{contact_id}/approve", dependencies=[Depends(check_csrf)])
def approve(request: Request, contact_id: int, who: Coordinator) -> Response:
    ok = pending.approve(ctx_of(request), contact_id, by=_actor(who))
    return RedirectResponse(f"/pending?done={'approved' if ok else 'gone'}", status_code=303)


@router.post("/pending/{contact_id}/reject", dependencies=[Depends(check_csrf)])
def reject(request: Request, contact_id: int, who: Coordinator) -> Response:
    ok = pending.reject(ctx_of(request), contact_id, by=_actor(who))
    return RedirectResponse(f"/pending?done={'rejected' if ok else 'gone'}", status_code=303)
