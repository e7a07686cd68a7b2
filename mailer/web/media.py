"""Images for the letters: the library `/media` (coordinators and approvers: upload, see every
image with the address to paste into the editor's image field) and `GET /media/<sha256>.<ext>`,
public, since letters and the archive show them to anyone.

An upload is read within MAILER_MEDIA_MAX_UPLOAD before anything parses it (the CSRF check
reads the form), checked and re-encoded by `pipeline.images` (no metadata, at most 1200 px wide),
and named by its bytes: the same URL always shows the same picture, so it may be cached for
good.
"""

from __future__ import annotations

import re
from typing import Annotated

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile  # what request.form() gives (not FastAPI's)

from mailer.core.accounts import Permission
from mailer.pipeline.images import MAX_WIDTH, MediaError
from mailer.pipeline.media import library, media_file, media_url, upload_image
from mailer.web.sessions import Visitor, bounded_then_csrf, require_permission
from mailer.web.shell import ctx_of, signed_in_page

__all__ = ["UPLOAD_PATH", "router"]

router = APIRouter()

UPLOAD_PATH = "/media/upload"
Editor = Annotated[Visitor, Depends(require_permission(Permission.EDIT_EDITIONS))]
_NAME = re.compile(r"^([0-9a-f]{64})\.(jpg|png)$")
_FITS = bounded_then_csrf(lambda settings: settings.media_max_upload)


def _library(
    request: Request, who: Visitor, *, status: int = 200, error: str = "", done: str = ""
) -> HTMLResponse:
    ctx = ctx_of(request)
    assert who.account is not None
    items = [(row, media_url(ctx, row.id, row.extension)) for row in library(ctx)]
    megabytes = ctx.settings.media_max_upload / (1024 * 1024)
    response = signed_in_page(
        request,
        who,
        "media.html",
        status=status,
        nav="media",
        items=items,
        error=error,
        done=done if _NAME.match(done) else "",
        max_mb=format_decimal(megabytes, "#,##0.#", locale=who.account.ui_language.value),
        max_width=MAX_WIDTH,
    )
    # the thumbnails are our own images; nothing else is loosened
    policy = response.headers["Content-Security-Policy"]
    response.headers["Content-Security-Policy"] = policy + "; img-src 'self'"
    return response


@router.get("/media", response_class=HTMLResponse)
def media_page(request: Request, who: Editor, done: str = "") -> HTMLResponse:
    return _library(request, who, done=done)


@router.post(UPLOAD_PATH)
async def upload(request: Request, who: Editor, fits: Annotated[bool, Depends(_FITS)]) -> Response:
    if not fits:
        return _library(request, who, status=413, error="media_error_too_large")
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _library(request, who, status=400, error="media_error_no_file")
    data = await file.read()
    assert who.account is not None
    try:
        row = await run_in_threadpool(
            upload_image, ctx_of(request), actor=who.account.email, filename=file.filename,
            data=data,
        )  # fmt: skip
    except MediaError as err:
        return _library(request, who, status=400, error=f"media_error_{err.problem.value}")
    return RedirectResponse(f"/media?done={row.id}.{row.extension}", status_code=303)


@router.get("/media/{name}")
def image(request: Request, name: str) -> Response:
    found = _NAME.match(name)
    stored = None if found is None else media_file(ctx_of(request), found[1], found[2])
    if stored is None:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    return Response(
        stored.data,
        media_type=stored.content_type,
        headers={
            # the name is the content's hash: it never changes
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cross-Origin-Resource-Policy": "cross-origin",  # mail clients and the archive
        },
    )
