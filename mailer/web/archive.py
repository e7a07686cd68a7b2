"""The public archive: `/archive/` (fi/sv/en by `?lang=`), each sent letter at
`/archive/{month}/{region}/{language}` and an Atom feed per letter language.

Everything here is public and read-only (only GET is routed; anything else is 405). The letter is
served as its own HTML document, the one the mail clients got, so its route alone has a
Content-Security-Policy that lets the letter's inline styles (and its https images) through; the
listing and the feeds keep the strict policy of every other page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from mailer.config import Settings
from mailer.core.models import Language, Region
from mailer.pipeline import Context, archive
from mailer.pipeline.archive import UiLanguage
from mailer.web.pages import html_response, security_headers

__all__ = ["router"]

router = APIRouter()

LETTER_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
LANGUAGE_NAMES = (("fi", "Suomeksi"), ("sv", "På svenska"), ("en", "In English"))


def _public_headers(settings: Settings) -> dict[str, str]:
    # Public pages hold no personal data: caches may keep them for a while.
    headers = security_headers(settings)
    headers["Cache-Control"] = "public, max-age=300"
    headers.pop("Pragma", None)
    return headers


def _not_found(ctx: Context) -> HTMLResponse:
    return html_response(
        ctx.settings,
        "archive/not_found.html",
        status=404,
        fi=archive.archive_strings(ctx, UiLanguage.FI),
        sv=archive.archive_strings(ctx, UiLanguage.SV),
    )


@router.get("/archive/", response_class=HTMLResponse)
def index(request: Request, lang: str = UiLanguage.FI.value) -> HTMLResponse:
    ctx: Context = request.app.state.ctx
    try:
        ui = UiLanguage(lang)
    except ValueError:
        ui = UiLanguage.FI
    response = html_response(
        ctx.settings,
        "archive/index.html",
        lang=ui.value,
        t=archive.archive_strings(ctx, ui),
        editions=archive.archive_page(ctx, ui),
        languages=LANGUAGE_NAMES,
    )
    response.headers.update(_public_headers(ctx.settings))
    return response


@router.get("/archive/{language}.atom")
def feed(language: str, request: Request) -> Response:
    ctx: Context = request.app.state.ctx
    if language not in {lang.value for lang in Language}:
        return _not_found(ctx)
    body = archive.atom_feed(ctx, Language(language))
    return Response(body, media_type="application/atom+xml", headers=_public_headers(ctx.settings))


@router.get("/archive/{month}/{region}/{language}", response_class=HTMLResponse)
async def letter(month: str, region: str, language: str, request: Request) -> HTMLResponse:
    ctx: Context = request.app.state.ctx
    regions = {r.value: r for r in Region}
    languages = {lang.value: lang for lang in Language}
    if region not in regions or language not in languages:
        return _not_found(ctx)
    html = await run_in_threadpool(
        archive.letter_html, ctx, month, regions[region], languages[language]
    )
    if html is None:
        return _not_found(ctx)
    headers = _public_headers(ctx.settings)
    headers["Content-Security-Policy"] = LETTER_CSP
    return HTMLResponse(html, headers=headers)


@router.get("/archive/{rest:path}", response_class=HTMLResponse)
def anything_else(rest: str, request: Request) -> HTMLResponse:
    """Any other address under /archive/ gets the archive's own 404 (with the headers), not the
    framework's bare JSON one."""
    return _not_found(request.app.state.ctx)
