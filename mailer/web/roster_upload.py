"""Roster upload in the workspace: upload (CSV or XLSX) → preview (problems, who is created,
updated field by field, missing) → commit. Nothing is written to the register before the
commit; the uploaded bytes wait server-side (`pipeline.roster_upload`), so any `mailer serve`
process behind the proxy can show the preview or take the commit.

The upload is the one post larger than the public 64 KiB bound: it has its own,
MAILER_ROSTER_MAX_UPLOAD, counted the same way (`bodies.read_limited`), and above it the
answer is this page with a clear message (413), not a bare error.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from mailer.core.accounts import Permission
from mailer.core.roster.limits import size_text
from mailer.pipeline.roster_upload import (
    CommitOutcome,
    Preview,
    commit_upload,
    discard_upload,
    preview_upload,
    start_upload,
)
from mailer.web.sessions import Visitor, bounded_then_csrf, check_csrf, require_permission
from mailer.web.shell import ctx_of, signed_in_page

__all__ = ["UPLOAD_PATH", "router"]

router = APIRouter()

UPLOAD_PATH = "/roster/upload"  # exempt from the app's 64 KiB bound: bounded here instead
Manager = Annotated[Visitor, Depends(require_permission(Permission.MANAGE_CONTACTS))]
_FITS = bounded_then_csrf(lambda settings: settings.roster_max_upload)


def _account(who: Visitor) -> str:
    assert who.account is not None
    return who.account.email


def _form(request: Request, who: Visitor, *, status: int = 200, error: str = "") -> Response:
    limit = ctx_of(request).settings.roster_max_upload
    return signed_in_page(
        request, who, "roster.html", status=status, nav="roster", error=error,
        limit=size_text(limit),
    )  # fmt: skip


def _preview(request: Request, who: Visitor, preview: Preview, *, status: int = 200,
             changed: bool = False) -> Response:  # fmt: skip
    return signed_in_page(
        request, who, "roster_preview.html", status=status, nav="roster", p=preview,
        r=preview.report, changed=changed,
    )  # fmt: skip


@router.get("/roster", response_class=HTMLResponse)
def roster_page(request: Request, who: Manager) -> Response:
    return _form(request, who)


@router.post(UPLOAD_PATH)
async def upload(request: Request, who: Manager, fits: Annotated[bool, Depends(_FITS)]) -> Response:
    if not fits:
        return _form(request, who, status=413, error="roster_error_too_large")
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _form(request, who, status=400, error="roster_error_no_file")
    data = await file.read()
    if not data:
        return _form(request, who, status=400, error="roster_error_empty")
    ctx = ctx_of(request)
    upload_id = await run_in_threadpool(start_upload, ctx, _account(who), file.filename, data)
    return RedirectResponse(f"/roster/{upload_id}", status_code=303)


@router.get("/roster/{upload_id}", response_class=HTMLResponse)
def preview(request: Request, who: Manager, upload_id: str) -> Response:
    found = preview_upload(ctx_of(request), _account(who), upload_id)
    if found is None:
        return _form(request, who, status=404, error="roster_error_gone")
    return _preview(request, who, found)


@router.post("/roster/{upload_id}/commit", dependencies=[Depends(check_csrf)])
def commit(
    request: Request,
    who: Manager,
    upload_id: str,
    digest: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    result = commit_upload(ctx_of(request), _account(who), upload_id, digest)
    if result.outcome is CommitOutcome.GONE:
        return _form(request, who, status=404, error="roster_error_gone")
    if result.outcome is CommitOutcome.CHANGED:
        assert result.preview is not None
        return _preview(request, who, result.preview, status=409, changed=True)
    assert result.report is not None
    return signed_in_page(request, who, "roster_done.html", nav="roster", r=result.report)


@router.post("/roster/{upload_id}/discard", dependencies=[Depends(check_csrf)])
def discard(request: Request, who: Manager, upload_id: str) -> Response:
    if not upload_id:
        raise HTTPException(status_code=404)
    discard_upload(ctx_of(request), _account(who), upload_id)
    return RedirectResponse("/roster", status_code=303)
