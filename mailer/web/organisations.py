"""The organisations in the workspace: every municipality, private provider and training
school with its region, its contacts and their statuses, and whether it has an active contact
(the same grouping as `mailer organisations list`, through `pipeline.organisations`)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from mailer.core.models import ContactStatus, Region
from mailer.pipeline.organisations import find_organisation, key_text, organisation_summaries
from mailer.web.sessions import Visitor, require_account
from mailer.web.shell import ctx_of, signed_in_page

__all__ = ["router"]

router = APIRouter()

Viewer = Annotated[Visitor, Depends(require_account)]


def _region(value: str | None) -> Region | None:
    try:
        return Region(value) if value else None
    except ValueError:
        return None


@router.get("/organisations", response_class=HTMLResponse)
def organisations_page(
    request: Request, who: Viewer, region: str | None = None, without: str | None = None
) -> Response:
    chosen = _region(region)
    without_contact = without == "1"
    found = organisation_summaries(ctx_of(request), region=chosen, without_contact=without_contact)
    return signed_in_page(
        request,
        who,
        "organisations.html",
        nav="organisations",
        organisations=[(quote(key_text(o), safe=""), o) for o in found],
        statuses=list(ContactStatus),
        regions=[r.value for r in Region],
        chosen=chosen.value if chosen else "",
        without=without_contact,
    )


@router.get("/organisations/{key:path}", response_class=HTMLResponse)
def organisation_page(request: Request, who: Viewer, key: str) -> Response:
    found = find_organisation(ctx_of(request), key)
    if found is None:
        raise HTTPException(status_code=404, detail="no such organisation")
    return signed_in_page(request, who, "organisation.html", nav="organisations", org=found)
