"""The contact register in the workspace: the list with search, filters, paging and exports,
and each contact's page with its history. Changes to a contact: `mailer.web.contact_forms`.

Every signed-in role may look (admins must, to erase); changing needs MANAGE_CONTACTS and
erasing ERASE. Filters are a plain GET form, so a filtered view is a link that can be shared.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from mailer.core.accounts import Permission
from mailer.core.models import ContactStatus, Language, OrgType, Region, Role
from mailer.pipeline.register_browse import RegisterFilter, contact_record, register_page
from mailer.pipeline.register_export import ExportFormat, export_register
from mailer.web.pages import security_headers
from mailer.web.sessions import Visitor, require_account, require_permission
from mailer.web.shell import ctx_of, signed_in_page

__all__ = ["REGISTER_PAGE_SIZE", "filter_choices", "router"]

router = APIRouter()

REGISTER_PAGE_SIZE = 50
Viewer = Annotated[Visitor, Depends(require_account)]
_E = TypeVar("_E", bound=StrEnum)


def _member(kind: type[_E], value: str | None) -> _E | None:
    """A filter value from the query string; an unknown one is no filter (a stale link or a
    status another version knows must not break the page)."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def _flag(value: str | None) -> bool:
    return value in {"1", "on", "true", "yes"}


def _filter(request: Request) -> RegisterFilter:
    q = request.query_params
    return RegisterFilter(
        search=(q.get("q") or "").strip()[:200],
        region=_member(Region, q.get("region")),
        language=_member(Language, q.get("language")),
        status=_member(ContactStatus, q.get("status")),
        role=_member(Role, q.get("role")),
        org_type=_member(OrgType, q.get("org_type")),
        suspect=_flag(q.get("suspect")),
        missing=_flag(q.get("missing")),
    )


def _params(chosen: RegisterFilter) -> dict[str, str]:
    """The filter as query parameters (only those set), for links to pages and exports."""
    found = {"q": chosen.search}
    for name in ("region", "language", "status", "role", "org_type"):
        member = getattr(chosen, name)
        found[name] = member.value if member is not None else ""
    found["suspect"] = "1" if chosen.suspect else ""
    found["missing"] = "1" if chosen.missing else ""
    return {key: value for key, value in found.items() if value}


def filter_choices() -> dict[str, list[str]]:
    """Every option of every filter, read from the enums: a status added later (pending,
    retired) is offered without touching this page."""
    return {
        "region": [r.value for r in Region],
        "language": [lang.value for lang in Language],
        "status": [s.value for s in ContactStatus],
        "role": [r.value for r in Role],
        "org_type": [o.value for o in OrgType],
    }


def _link(params: dict[str, str], **extra: str | int) -> str:
    merged = {**params, **{k: str(v) for k, v in extra.items()}}
    return f"?{urlencode(merged)}" if merged else "?"


@router.get("/contacts", response_class=HTMLResponse)
def contacts_page(request: Request, who: Viewer, page: int = 1) -> Response:
    chosen = _filter(request)
    page = max(page, 1)
    found = register_page(
        ctx_of(request), chosen, offset=(page - 1) * REGISTER_PAGE_SIZE, limit=REGISTER_PAGE_SIZE
    )
    pages = max((found.total + REGISTER_PAGE_SIZE - 1) // REGISTER_PAGE_SIZE, 1)
    params = _params(chosen)
    query = f"?{urlencode(params)}" if params else ""
    return signed_in_page(
        request,
        who,
        "contacts.html",
        nav="contacts",
        chosen=chosen,
        choices=filter_choices(),
        rows=found.rows,
        total=found.total,
        erased=request.query_params.get("erased") == "1",
        page=page,
        pages=pages,
        may_export=who.account is not None and who.account.may(Permission.EXPORT_REGISTER),
        csv_url=f"/contacts.csv{query}",
        xlsx_url=f"/contacts.xlsx{query}",
        prev_url=_link(params, page=page - 1) if page > 1 else None,
        next_url=_link(params, page=page + 1) if page < pages else None,
    )


def _export(request: Request, who: Visitor, kind: ExportFormat) -> Response:
    assert who.account is not None
    ctx = ctx_of(request)
    export = export_register(ctx, _filter(request), kind, actor=who.account.email)
    headers = security_headers(ctx.settings)
    headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return Response(export.body, media_type=export.media_type, headers=headers)


Exporter = Annotated[Visitor, Depends(require_permission(Permission.EXPORT_REGISTER))]


@router.get("/contacts.csv")
def contacts_csv(request: Request, who: Exporter) -> Response:
    return _export(request, who, ExportFormat.CSV)


@router.get("/contacts.xlsx")
def contacts_xlsx(request: Request, who: Exporter) -> Response:
    return _export(request, who, ExportFormat.XLSX)


@router.get("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_page(request: Request, who: Viewer, contact_id: int) -> Response:
    record = contact_record(ctx_of(request), contact_id)
    if record is None:
        raise HTTPException(status_code=404, detail="no such contact")
    account = who.account
    assert account is not None
    return signed_in_page(
        request,
        who,
        "contact.html",
        nav="contacts",
        record=record,
        c=record.contact,
        choices=filter_choices(),
        may_manage=account.may(Permission.MANAGE_CONTACTS),
        may_erase=account.may(Permission.ERASE),
        form={},
        errors={},
        notice=request.query_params.get("done", ""),
    )
