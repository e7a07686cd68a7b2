"""The preview of an edition: all ten variants side by side, desktop or mobile width, for the
built-in sample recipient or a real contact of a variant.

The letters go in iframes whose source is a route of its own (`/editions/M/preview/KEY.html`),
answered with their own strict headers: the letter's inline styles and images, no script at all
(`sandbox`), and framing only by our own pages. The page around them allows `frame-src 'self'`
and nothing more than the workspace's default CSP otherwise.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from mailer.core.models import Language, Region, Variant
from mailer.pipeline.editions.review import (
    chosen_contact,
    contact_choices,
    preview_cards,
    preview_letter,
)
from mailer.web.pages import security_headers
from mailer.web.review_common import edition_pages, existing_revision
from mailer.web.sessions import Visitor, require_account
from mailer.web.shell import ctx_of, signed_in_page

__all__ = ["frame_headers", "router"]

router = APIRouter()

Account = Annotated[Visitor, Depends(require_account)]
WIDTHS = ("desktop", "mobile")


def frame_headers(public_url: str) -> dict[str, str]:
    """A letter's own headers: inline styles and images (ours or any https host), no scripts,
    no forms, no plugins (`sandbox` without allow-scripts), framed only by our pages."""
    parts = urlsplit(public_url)
    own = f"{parts.scheme}://{parts.netloc}"
    return {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "SAMEORIGIN",
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'unsafe-inline'; "
            f"img-src {own} https: data:; font-src https: data:; "
            "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; "
            "sandbox allow-popups allow-popups-to-escape-sandbox"
        ),
    }


def _variant(key: str) -> Variant:
    region, _, language = key.partition("-")
    try:
        return Variant(region=Region(region), language=Language(language))
    except ValueError as err:
        raise HTTPException(status_code=404, detail="no such variant") from err


def _contact_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@router.get("/editions/{month}/preview", response_class=HTMLResponse)
def preview_page(
    request: Request,
    month: str,
    who: Account,
    width: str = "desktop",
    contact: str | None = None,
) -> Response:
    ctx = ctx_of(request)
    existing_revision(request, month)
    chosen = chosen_contact(ctx, _contact_id(contact))
    width = width if width in WIDTHS else "desktop"
    query = f"?contact={chosen.id}" if chosen else ""
    response = signed_in_page(
        request,
        who,
        "review_preview.html",
        nav="",
        month=month,
        edition_nav=edition_pages(who, month),
        current="preview",
        cards=preview_cards(ctx, month, chosen),
        choices=contact_choices(ctx),
        chosen=chosen,
        width=width,
        widths=WIDTHS,
        frame_query=query,
        contact_query=f"&contact={chosen.id}" if chosen else "",
    )
    # the workspace's CSP, plus our own letter frames
    policy = security_headers(ctx.settings)["Content-Security-Policy"]
    response.headers["Content-Security-Policy"] = policy.replace(
        "default-src 'none';", "default-src 'none'; frame-src 'self';"
    )
    return response


@router.get("/editions/{month}/preview/{key}.html")
def preview_frame(request: Request, month: str, key: str, who: Account) -> Response:
    ctx = ctx_of(request)
    existing_revision(request, month)
    variant = _variant(key)
    message = preview_letter(
        ctx, month, variant, chosen_contact(ctx, _contact_id(request.query_params.get("contact")))
    )
    if message is None:
        raise HTTPException(status_code=404, detail="no such edition")
    return HTMLResponse(message.html, headers=frame_headers(ctx.settings.public_url))
