"""Admin pages under /admin/ (HTTP Basic, see `mailer.web.auth`): overview, the bounce report,
the contact register, the editions with their send figures.

Server-rendered and usable without JavaScript: filters are plain GET forms, downloads plain links.
Every response carries no-store caching, X-Frame-Options DENY and a strict CSP (`pages.py`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse

from mailer.core.edition.dates import is_month
from mailer.core.models import ContactStatus, Language, Region
from mailer.core.reports.csv_export import bounce_report_csv, edition_report_csv
from mailer.pipeline import Context
from mailer.pipeline import register_views as views
from mailer.pipeline.reports import BounceReport, bounce_report, edition_report
from mailer.web.auth import require_admin
from mailer.web.pages import bounce_report_html, html_response, security_headers

__all__ = ["PAGE_SIZE", "router"]

router = APIRouter(prefix="/admin", dependencies=[Depends(require_admin)])

PAGE_SIZE = 50


def _ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def _choice(
    value: str | None, allowed: type[Region] | type[ContactStatus] | type[Language]
) -> str | None:
    """A filter value from a select box: one of the enum's values, or no filter ("" = all)."""
    if not value:
        return None
    if value not in {member.value for member in allowed}:
        raise HTTPException(status_code=400, detail=f"unknown filter value {value!r}")
    return value


def _since(ctx: Context, value: str | None) -> datetime | None:
    """A date typed by the admin means midnight of that day in Helsinki."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as err:
        raise HTTPException(status_code=400, detail="since: expected a date YYYY-MM-DD") from err
    return datetime.combine(day, time(0), tzinfo=ctx.zone)


def _bounces(request: Request, region: str | None, since: str | None) -> BounceReport:
    ctx = _ctx(request)
    chosen = _choice(region, Region)
    return bounce_report(ctx, region=Region(chosen) if chosen else None, since=_since(ctx, since))


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    ctx = _ctx(request)
    by_region = views.status_by_region(ctx)
    months = views.edition_overview(ctx)[0][:3]
    report = bounce_report(ctx)
    return html_response(
        ctx.settings,
        "admin/overview.html",
        nav="overview",
        page_title="Overview",
        standalone=False,
        by_region=by_region,
        statuses=[s.value for s in ContactStatus],
        totals=report.totals,
        editions=[edition_report(ctx, m) for m in months],
    )


@router.get("/bounces", response_class=HTMLResponse)
def bounces_page(
    request: Request, region: str | None = None, since: str | None = None
) -> HTMLResponse:
    report = _bounces(request, region, since)
    query = {k: v for k, v in (("region", region), ("since", since)) if v}
    settings = _ctx(request).settings
    return HTMLResponse(
        bounce_report_html(settings, report, standalone=False, query=query),
        headers=security_headers(settings),
    )


def _download(request: Request, body: str, media_type: str, filename: str) -> Response:
    headers = security_headers(_ctx(request).settings)
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, media_type=media_type, headers=headers)


@router.get("/bounces.csv")
def bounces_csv(request: Request, region: str | None = None, since: str | None = None) -> Response:
    report = _bounces(request, region, since)
    stamp = report.generated_at.strftime("%Y%m%d")
    return _download(
        request,
        bounce_report_csv(report, _ctx(request).zone),
        "text/csv; charset=utf-8",
        f"bounces-{stamp}.csv",
    )


@router.get("/bounces.json")
def bounces_json(request: Request, region: str | None = None, since: str | None = None) -> Response:
    report = _bounces(request, region, since)
    stamp = report.generated_at.strftime("%Y%m%d")
    return _download(
        request, report.model_dump_json(indent=2), "application/json", f"bounces-{stamp}.json"
    )


@router.get("/contacts", response_class=HTMLResponse)
def contacts_page(
    request: Request,
    *,
    region: str | None = None,
    status: str | None = None,
    language: str | None = None,
    q: str | None = None,
    page: int = 1,
) -> HTMLResponse:
    ctx = _ctx(request)
    filters = {
        "region": _choice(region, Region),
        "status": _choice(status, ContactStatus),
        "language": _choice(language, Language),
    }
    search = (q or "").strip() or None
    page = max(page, 1)
    total, rows = views.contact_page(
        ctx,
        views.ContactFilter(**filters, search=search),
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    keep: dict[str, Any] = {k: v for k, v in filters.items() if v}
    if search:
        keep["q"] = search
    return html_response(
        ctx.settings,
        "admin/contacts.html",
        nav="contacts",
        page_title="Contacts",
        standalone=False,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        search=search or "",
        regions=[r.value for r in Region],
        statuses=[s.value for s in ContactStatus],
        languages=[lang.value for lang in Language],
        prev_url=f"?{urlencode({**keep, 'page': page - 1})}" if page > 1 else None,
        next_url=f"?{urlencode({**keep, 'page': page + 1})}" if page < pages else None,
    )


@router.get("/editions", response_class=HTMLResponse)
def editions_page(request: Request) -> HTMLResponse:
    ctx = _ctx(request)
    months, records = views.edition_overview(ctx)
    return html_response(
        ctx.settings,
        "admin/editions.html",
        nav="editions",
        page_title="Editions",
        standalone=False,
        editions=[(edition_report(ctx, m), records.get(m, {})) for m in months],
    )


def _edition_month(month: str) -> str:
    """The one month check (a full match on ASCII digits): a month reaches a file name in a
    Content-Disposition header, so nothing else may pass."""
    if not is_month(month):
        raise HTTPException(status_code=404, detail="Not Found")
    return month


@router.get("/editions/{month}.csv")
def edition_csv(request: Request, month: str) -> Response:
    month = _edition_month(month)
    return _download(
        request,
        edition_report_csv(edition_report(_ctx(request), month)),
        "text/csv; charset=utf-8",
        f"edition-{month}.csv",
    )


@router.get("/editions/{month}", response_class=HTMLResponse)
def edition_page(request: Request, month: str) -> HTMLResponse:
    ctx = _ctx(request)
    month = _edition_month(month)
    return html_response(
        ctx.settings,
        "admin/edition.html",
        nav="editions",
        page_title=f"Edition {month}",
        standalone=False,
        report=edition_report(ctx, month),
    )


@router.get("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_page(request: Request, contact_id: int) -> HTMLResponse:
    """One contact: status, history (who or what changed it, when, from where), deliveries and
    provider events: the evidence an admin reads before reactivating anyone."""
    ctx = _ctx(request)
    detail = views.contact_detail(ctx, contact_id)
    if detail is None:
        raise HTTPException(status_code=404, detail="Not Found")
    contact = detail.contact
    return html_response(
        ctx.settings,
        "admin/contact.html",
        nav="contacts",
        page_title=f"{contact['first_name']} {contact['last_name']}",
        standalone=False,
        contact=contact,
        history=detail.history,
        deliveries=detail.deliveries,
        events=detail.events,
    )
