"""The old /admin/ pages (HTTP Basic, removed) moved into the workspace (issue 14): their URLs
answer with a redirect (303) to the new page, or to /login for a browser without a session, so
bookmarks and links in old mails keep working. The new pages check the role themselves."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from mailer.core.edition.dates import is_month
from mailer.web.sessions import Visitor, visitor

__all__ = ["router"]

router = APIRouter(prefix="/admin")

Who = Annotated[Visitor, Depends(visitor)]


def _to(who: Visitor, target: str, request: Request | None = None) -> RedirectResponse:
    if who.account is None:
        return RedirectResponse("/login", status_code=303)
    query = urlencode(list(request.query_params.multi_items())) if request is not None else ""
    return RedirectResponse(target + (f"?{query}" if query else ""), status_code=303)


@router.get("/")
def overview(who: Who) -> RedirectResponse:
    return _to(who, "/")


@router.get("/bounces")
def bounces(request: Request, who: Who) -> RedirectResponse:
    return _to(who, "/bounces", request)


@router.get("/bounces.csv")
def bounces_csv(request: Request, who: Who) -> RedirectResponse:
    return _to(who, "/bounces.csv", request)


@router.get("/bounces.json")
def bounces_json(request: Request, who: Who) -> RedirectResponse:
    return _to(who, "/bounces.json", request)


@router.get("/contacts")
def contacts(request: Request, who: Who) -> RedirectResponse:
    return _to(who, "/contacts", request)


@router.get("/contacts/{contact_id}")
def contact(who: Who, contact_id: str) -> RedirectResponse:
    return _to(
        who,
        f"/contacts/{contact_id}" if contact_id.isascii() and contact_id.isdigit() else "/contacts",
    )


@router.get("/editions")
def editions(who: Who) -> RedirectResponse:
    return _to(who, "/schedule")


@router.get("/editions/{month}.csv")
def edition_csv(who: Who, month: str) -> RedirectResponse:
    return _to(who, f"/editions/{month}/report.csv" if is_month(month) else "/schedule")


@router.get("/editions/{month}")
def edition(who: Who, month: str) -> RedirectResponse:
    return _to(who, f"/editions/{month}/send" if is_month(month) else "/schedule")
