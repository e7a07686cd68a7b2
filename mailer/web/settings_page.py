"""The settings as this process read them (`/settings`, admins: Permission.VIEW_SETTINGS):
each variable, its value (a secret only as set or not set) and where it came from. Read-only:
settings change in the environment or mailer.toml and take effect on a restart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from mailer.core.accounts import Permission
from mailer.pipeline.settings_view import setting_rows
from mailer.web.sessions import Visitor, require_permission
from mailer.web.shell import ctx_of, signed_in_page

__all__ = ["router"]

router = APIRouter()

Admin = Annotated[Visitor, Depends(require_permission(Permission.VIEW_SETTINGS))]


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, who: Admin) -> HTMLResponse:
    rows = setting_rows(ctx_of(request).settings)
    return signed_in_page(request, who, "settings.html", nav="settings", rows=rows)
