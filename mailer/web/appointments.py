"""The workspace's appointment requests (`/appointments`): who would be asked now, a button
that asks them (the same code as `mailer organisations request-appointment`), and the requests
sent with the people each organisation appointed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mailer.core.accounts import Permission
from mailer.core.models import DeliveryState
from mailer.pipeline.appointments.requests import request_appointments, requests_with_appointees
from mailer.web.sessions import Visitor, check_csrf, require_permission
from mailer.web.shell import ctx_of, signed_in_page

__all__ = ["router"]

router = APIRouter()

Manager = Annotated[Visitor, Depends(require_permission(Permission.MANAGE_CONTACTS))]


@router.get("/appointments", response_class=HTMLResponse)
def appointments_page(
    request: Request, who: Manager, sent: int | None = None, meanwhile: int | None = None
) -> Response:
    ctx = ctx_of(request)
    plan = request_appointments(ctx, dry_run=True)
    return signed_in_page(
        request,
        who,
        "appointments.html",
        nav="appointments",
        plan=plan,
        requests=requests_with_appointees(ctx),
        sent=sent,
        meanwhile=meanwhile,
        zone=ctx.zone,
    )


@router.post("/appointments/request", dependencies=[Depends(check_csrf)])
def send_requests(request: Request, who: Manager) -> Response:
    assert who.account is not None
    report = request_appointments(ctx_of(request), actor=who.account.email)
    accepted = sum(1 for item in report.sent if item.state is DeliveryState.ACCEPTED)
    # another coordinator's run (or the CLI) queued some of the same organisations first
    meanwhile = len(report.requested_meanwhile)
    extra = f"&meanwhile={meanwhile}" if meanwhile else ""
    return RedirectResponse(f"/appointments?sent={accepted}{extra}", status_code=303)
