"""The bounce report in the workspace (issue 14; it was /admin/bounces): stale and suspect
contacts per region with their evidence, and the organisations left without an active contact.
For coordinators, approvers and admins; filters are a plain GET form, downloads plain links."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from mailer.core.accounts import Permission
from mailer.core.models import Region
from mailer.core.reports.csv_export import bounce_report_csv
from mailer.pipeline import Context
from mailer.pipeline.reports import BounceReport, bounce_report
from mailer.web.pages import security_headers
from mailer.web.sending import region_names
from mailer.web.sessions import Visitor, require_permission
from mailer.web.shell import ctx_of, signed_in_page

__all__ = ["router"]

router = APIRouter()

Reader = Annotated[Visitor, Depends(require_permission(Permission.VIEW_REPORTS))]


def _region(value: str | None) -> Region | None:
    """A region from the select box ("" = every region)."""
    try:
        return Region(value) if value else None
    except ValueError as err:
        raise HTTPException(status_code=400, detail=f"unknown region {value!r}") from err


def _since(ctx: Context, value: str | None) -> datetime | None:
    """A date typed by the user means midnight of that day in Helsinki."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError as err:
        raise HTTPException(status_code=400, detail="since: expected a date YYYY-MM-DD") from err
    return datetime.combine(day, time(0), tzinfo=ctx.zone) if day else None


def _report(request: Request, region: str | None, since: str | None) -> BounceReport:
    ctx = ctx_of(request)
    return bounce_report(ctx, region=_region(region), since=_since(ctx, since))


def _query(region: str | None, since: str | None) -> dict[str, str]:
    return {k: v for k, v in (("region", region), ("since", since)) if v}


@router.get("/bounces")
def bounces_page(
    request: Request, who: Reader, region: str | None = None, since: str | None = None
) -> Response:
    assert who.account is not None
    report = _report(request, region, since)
    return signed_in_page(
        request,
        who,
        "bounces.html",
        nav="bounces",
        report=report,
        query=_query(region, since),
        regions=region_names(who.account.ui_language),
    )


def _download(request: Request, body: str, media_type: str, filename: str) -> Response:
    headers = security_headers(ctx_of(request).settings)
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, media_type=media_type, headers=headers)


@router.get("/bounces.csv")
def bounces_csv(
    request: Request, who: Reader, region: str | None = None, since: str | None = None
) -> Response:
    report = _report(request, region, since)
    stamp = report.generated_at.strftime("%Y%m%d")
    body = bounce_report_csv(report, ctx_of(request).zone)
    return _download(request, body, "text/csv; charset=utf-8", f"bounces-{stamp}.csv")


@router.get("/bounces.json")
def bounces_json(
    request: Request, who: Reader, region: str | None = None, since: str | None = None
) -> Response:
    report = _report(request, region, since)
    stamp = report.generated_at.strftime("%Y%m%d")
    body = report.model_dump_json(indent=2)
    return _download(request, body, "application/json", f"bounces-{stamp}.json")
