"""An edition's send page (issue 14): recipients per variant (a dry-run plan), "send now" with a
confirmation step, the send's progress from the ledger, and the edition's report per region x
language once letters went out (the old /admin/editions report lives here now).

The send runs in a thread of this process (`pipeline.send.background`); the ledger keeps it
exactly-once, so a second click or a reload during the send mails nobody twice. A plain reload
shows the progress; while a send runs the page asks the browser to reload itself every few
seconds (`<meta http-equiv=refresh>`, no script).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from mailer.core.accounts import AuditAction, Permission, UiLanguage
from mailer.core.edition.dates import is_month
from mailer.core.errors import EditionNotApprovedError
from mailer.core.models import Language
from mailer.core.regions import REGION_SHORT_NAMES
from mailer.core.reports.csv_export import EDITION_COLUMNS, edition_report_csv
from mailer.pipeline.audit import record
from mailer.pipeline.editions.check import require_approved
from mailer.pipeline.reports import edition_report
from mailer.pipeline.send.background import BackgroundSends
from mailer.pipeline.send.progress import SendOverview, send_overview
from mailer.web.pages import security_headers
from mailer.web.review_common import edition_pages
from mailer.web.sessions import Forbidden, Visitor, check_csrf, require_account
from mailer.web.shell import ctx_of, signed_in_page

__all__ = ["REFRESH_SECONDS", "region_names", "router", "sends_of", "sends_of_app"]

router = APIRouter()

REFRESH_SECONDS = 5
# the report's figures, as the CSV has them after its edition, region and language columns
REPORT_FIELDS = EDITION_COLUMNS[3:]
Sender = Annotated[Visitor, Depends(require_account)]


def sends_of(request: Request) -> BackgroundSends:
    """The app's registry of background sends (made on first use)."""
    return sends_of_app(request.app)


def sends_of_app(app: FastAPI) -> BackgroundSends:
    state = app.state
    if getattr(state, "sends", None) is None:
        state.sends = BackgroundSends()
    sends: BackgroundSends = state.sends
    return sends


def _viewer(who: Visitor) -> Visitor:
    """Everyone who edits editions sees the page, and admins (the edition report)."""
    account = who.account
    if account is None or not (
        account.may(Permission.EDIT_EDITIONS) or account.may(Permission.VIEW_ADMIN_PAGES)
    ):
        raise Forbidden(who)
    return who


def _scheduler(who: Visitor) -> Visitor:
    if who.account is None or not who.account.may(Permission.SCHEDULE):
        raise Forbidden(who)
    return who


def region_names(language: UiLanguage) -> dict[str, str]:
    """The regions' short names in the page's language (English pages use the Finnish ones)."""
    letter = Language.SV if language is UiLanguage.SV else Language.FI
    return {region.value: names[letter] for region, names in REGION_SHORT_NAMES.items()}


def _month(month: str) -> str:
    if not is_month(month):
        raise HTTPException(status_code=404, detail="Not Found")
    return month


def _overview(request: Request, month: str) -> SendOverview:
    found = send_overview(ctx_of(request), month)
    if not found.status.exists and found.report is None:
        raise HTTPException(status_code=404, detail="Not Found")
    return found


def _render(
    request: Request, who: Visitor, month: str, name: str, *, status: int = 200, **more: object
) -> Response:
    overview = _overview(request, month)
    sends = sends_of(request)
    running = sends.running(month)
    assert who.account is not None
    return signed_in_page(
        request,
        who,
        name,
        status=status,
        nav="schedule",
        edition_nav=edition_pages(who, month),
        current="send",
        month=month,
        overview=overview,
        running=running,
        finished=sends.finished(month),
        refresh=REFRESH_SECONDS if running else None,
        may_send=who.account.may(Permission.SCHEDULE) and overview.status.state == "approved",
        may_schedule=who.account.may(Permission.SCHEDULE),
        report_fields=REPORT_FIELDS,
        regions=region_names(who.account.ui_language),
        **more,
    )


@router.get("/editions/{month}/send")
def send_page(request: Request, who: Sender, month: str) -> Response:
    return _render(request, _viewer(who), _month(month), "send.html")


@router.get("/editions/{month}/send/confirm")
def confirm_page(request: Request, who: Sender, month: str) -> Response:
    """The confirmation step: the counts per variant, and the one button that sends."""
    return _render(request, _scheduler(who), _month(month), "send_confirm.html")


@router.post("/editions/{month}/send", dependencies=[Depends(check_csrf)])
def send_now(request: Request, who: Sender, month: str) -> Response:
    ctx = ctx_of(request)
    who = _scheduler(who)
    month = _month(month)
    assert who.account is not None
    try:
        require_approved(ctx, month)
    except EditionNotApprovedError as err:
        return _render(request, who, month, "send_confirm.html", status=409, refused=err.reason)
    actor = who.account.email
    if sends_of(request).start(ctx, month, actor=actor):
        record(ctx, actor=actor, action=AuditAction.SENT, target=month, detail="send started")
    return RedirectResponse(f"/editions/{month}/send", status_code=303)


@router.get("/editions/{month}/report.csv")
def report_csv(request: Request, who: Sender, month: str) -> Response:
    _viewer(who)
    ctx = ctx_of(request)
    month = _month(month)
    headers = security_headers(ctx.settings)
    headers["Content-Disposition"] = f'attachment; filename="edition-{month}.csv"'
    body = edition_report_csv(edition_report(ctx, month))
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
