"""The old contact pages under /admin/ (HTTP Basic, see `mailer.web.auth`), until the
workspace's contact register replaces them. The other /admin/ pages moved into the workspace
(`mailer.web.moved` redirects their URLs).

Server-rendered and usable without JavaScript: filters are plain GET forms.
Every response carries no-store caching, X-Frame-Options DENY and a strict CSP (`pages.py`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from mailer.core.models import ContactStatus, Language, Region
from mailer.pipeline import Context
from mailer.pipeline import register_views as views
from mailer.web.auth import require_admin
from mailer.web.pages import html_response

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
