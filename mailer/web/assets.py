"""The workspace's own script files (templates/web/static/*.js): today only the editor's live
check, an enhancement every page works without.

Served by name from that one folder (a name is letters, digits and dashes: no path can leave it),
to anyone (they hold nothing secret), revalidated by an ETag of the content, so every process
answers the same and a changed script reaches the browser on its next page load.
"""

from __future__ import annotations

import hashlib
import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from mailer.web.shell import ctx_of

__all__ = ["STATIC_PATH", "router"]

router = APIRouter()

STATIC_PATH = "/static"
_NAME = re.compile(r"[a-z0-9-]+\.js")
_JAVASCRIPT = "text/javascript; charset=utf-8"


@router.get(STATIC_PATH + "/{name}")
def static_script(request: Request, name: str) -> Response:
    if not _NAME.fullmatch(name):
        raise HTTPException(status_code=404, detail="no such file")
    path = ctx_of(request).settings.templates_dir / "web" / "static" / name
    try:
        body = path.read_bytes()
    except FileNotFoundError as err:
        raise HTTPException(status_code=404, detail="no such file") from err
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "no-cache",  # may be kept, but asked about on each use (ETag)
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=_JAVASCRIPT, headers=headers)
