"""The workspace's editions: the list with a form to start a month, one edition's overview, its
history (every revision viewable and downloadable), the YAML export and the import of a file.
The editor itself is `mailer.web.editor`.

Viewing is for every role that edits or approves; starting, importing and saving need
EDIT_EDITIONS. The YAML texts are the ones the CLI gives (`mailer edition export`), byte for byte.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mailer.core.accounts import AuditAction, Permission
from mailer.core.edition.codes import CheckCode
from mailer.core.edition.content import ContentProblem
from mailer.core.edition.form import path_id
from mailer.core.edition.revisions import EditionProblemsError, check_month
from mailer.core.errors import ContentError
from mailer.pipeline.audit import record
from mailer.pipeline.editions.check import approval_status
from mailer.pipeline.editions.review import checked
from mailer.pipeline.editions.revisions import (
    Revision,
    export_edition,
    import_text,
    new_edition,
    revision_history,
)
from mailer.pipeline.editions.workspace import EditionRow, edition_row, edition_rows
from mailer.web.pages import security_headers
from mailer.web.review_common import edition_pages
from mailer.web.sessions import Forbidden, Visitor, check_csrf, require_account, require_permission
from mailer.web.shell import EDITION_PAGES, ctx_of, signed_in_page, strings

__all__ = [
    "EDITIONS_PATH",
    "EDITION_MAX_BODY",
    "Editor",
    "Viewer",
    "editions_router",
    "field_label",
]

editions_router = APIRouter()

EDITIONS_PATH = "/editions"
# A letter is about 12 KiB of YAML; as a form it grows two to three times (every "ä" is six bytes
# urlencoded). The body limit middleware allows this much on /editions/ (64 KiB elsewhere).
EDITION_MAX_BODY = 1024 * 1024
# What the overview may say after a redirect (`?done=`): catalogue keys `edition_notice_<done>`.
NOTICES = ("started", "imported", "unchanged", "saved", "nothing")


def may_view(who: Annotated[Visitor, Depends(require_account)]) -> Visitor:
    """Every role that edits or approves editions may look at them."""
    account = who.account
    assert account is not None
    if not (account.may(Permission.EDIT_EDITIONS) or account.may(Permission.APPROVE)):
        raise Forbidden(who)
    return who


Viewer = Annotated[Visitor, Depends(may_view)]
Editor = Annotated[Visitor, Depends(require_permission(Permission.EDIT_EDITIONS))]


def actor(who: Visitor) -> str:
    """How an account is named on revisions and in the audit log: its email, which is unique."""
    assert who.account is not None
    return who.account.email


def known_month(request: Request, month: str) -> EditionRow:
    """The edition of `month`, or 404."""
    try:
        check_month(month)
    except ContentError as err:
        raise HTTPException(status_code=404, detail="no such edition") from err
    row = edition_row(ctx_of(request), month)
    if row is None:
        raise HTTPException(status_code=404, detail="no such edition")
    return row


def _list_page(
    request: Request,
    who: Visitor,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    problems: list[ContentProblem] | None = None,
    month: str = "",
    source: str = "",
) -> HTMLResponse:
    rows = edition_rows(ctx_of(request))
    return signed_in_page(
        request,
        who,
        "editions.html",
        status=status,
        nav="editions",
        rows=rows,
        errors=errors or {},
        problems=problems or [],
        new_month=month,
        new_source=source,
        months=[r.month for r in rows if r.latest is not None],
        may_edit=who.account is not None and who.account.may(Permission.EDIT_EDITIONS),
    )


@editions_router.get(EDITIONS_PATH, response_class=HTMLResponse)
def editions(request: Request, who: Viewer) -> Response:
    return _list_page(request, who)


@editions_router.post(EDITIONS_PATH + "/new", dependencies=[Depends(check_csrf)])
def start_edition(
    request: Request,
    who: Editor,
    month: Annotated[str, Form(max_length=16)] = "",
    source: Annotated[str, Form(alias="from", max_length=16)] = "",
) -> Response:
    ctx = ctx_of(request)
    month, source = month.strip(), source.strip()
    try:
        started = new_edition(ctx, check_month(month), actor(who), source or None)
    except EditionProblemsError as err:
        return _list_page(request, who, status=400, problems=err.problems, month=month)
    except ContentError as err:
        field = "from" if err.field == "--from" and source else "month"
        errors = {field: str(err)}
        return _list_page(request, who, status=400, errors=errors, month=month, source=source)
    detail = f"revision 1 from {started.source.month} r{started.source.number}"
    record(ctx, actor=actor(who), action=AuditAction.EDITION_STARTED, target=month, detail=detail)
    return RedirectResponse(f"{EDITIONS_PATH}/{month}?done=started", status_code=303)


@editions_router.post(EDITIONS_PATH + "/import", dependencies=[Depends(check_csrf)])
async def import_file(
    request: Request, who: Editor, file: Annotated[UploadFile, File()]
) -> Response:
    ctx = ctx_of(request)
    name = file.filename or "upload.yaml"
    try:
        text = (await file.read()).decode("utf-8")
    except UnicodeDecodeError:
        problem = ContentProblem(
            file=name,
            line=None,
            field="(file)",
            message="not UTF-8 text",
            code=CheckCode.FILE_NOT_UTF8,
        )
        return _list_page(request, who, status=400, problems=[problem])
    try:
        imported = import_text(ctx, name, text, actor(who))
    except EditionProblemsError as err:
        return _list_page(request, who, status=400, problems=err.problems)
    except ContentError as err:
        problem = ContentProblem(
            file=name,
            line=None,
            field="(file)",
            message=str(err),
            code=CheckCode.IMPORT_REFUSED,
            params={"detail": str(err)},
        )
        return _list_page(request, who, status=400, problems=[problem])
    revision = imported.revision
    if imported.created:
        record(
            ctx,
            actor=actor(who),
            action=AuditAction.EDITION_IMPORTED,
            target=revision.month,
            detail=f"revision {revision.number} from {name}",
        )
    done = "imported" if imported.created else "unchanged"
    return RedirectResponse(f"{EDITIONS_PATH}/{revision.month}?done={done}", status_code=303)


_ITEM_KEYS = {"national": "editor_national_item", "themes": "editor_theme_item",
              "events": "editor_event"}  # fmt: skip
_LIST_KEYS = {"national": "editor_heading_national", "themes": "editor_heading_themes",
              "events": "editor_heading_events"}  # fmt: skip
_FIELD_KEYS = {
    "subject": "editor_subject", "preheader": "editor_preheader", "intro": "editor_intro",
    "closing": "editor_closing", "title": "editor_title", "body": "editor_body",
    "link.url": "editor_link_url", "link.label": "editor_link_label", "link": "editor_link_url",
    "image.src": "editor_image_src", "image.alt": "editor_image_alt", "image": "editor_image_src",
    "image.width": "editor_image_width", "start": "editor_start", "end": "editor_end",
    "place": "editor_place", "online": "editor_online", "registration": "editor_registration",
    "description": "editor_description", "regions": "editor_event_regions",
}  # fmt: skip
_PATH = re.compile(r"^(national|themes|events|regional\.[a-z]+)(?:\[(\d+)\])?\.?(.*)$")


def field_label(path: str, t: dict[str, str]) -> str:
    """How the form names a problem's field (`national[1].body.sv` -> "National item 2 ·
    Text (Swedish)"); the path itself when the form has no such field."""
    rest, parts = path, []
    match = _PATH.match(path)
    if match:
        where, index, rest = match.groups()
        region = where.removeprefix("regional.")
        keys = _ITEM_KEYS if index is not None else _LIST_KEYS
        default = "editor_regional_item" if index is not None else "editor_heading_regional"
        name = t.get(keys.get(where, default), where)
        name += f" {region.upper()}" if where.startswith("regional.") else ""
        parts.append(f"{name} {int(index) + 1}" if index is not None else name)
    language = ""
    if rest.endswith((".fi", ".sv")) or rest in ("fi", "sv"):
        rest, _, code = rest.rpartition(".") if "." in rest else ("", "", rest)
        language = f" ({t.get('editor_lang_' + code, code)})"
    if rest:
        if rest not in _FIELD_KEYS:
            return path
        parts.append(t[_FIELD_KEYS[rest]] + language)
    elif parts and language:
        parts[-1] += language
    return " · ".join(parts) or path


def strings_of(who: Visitor, request: Request) -> dict[str, str]:
    assert who.account is not None
    return strings(ctx_of(request).settings, who.account.ui_language)


def field_link(month: str, problem: ContentProblem) -> str | None:
    """Where the editor shows a problem's field (None: a problem of the whole letter)."""
    editor = any(page.key == "edit" for page in EDITION_PAGES)
    if not editor or problem.field.startswith("(") or problem.kind != "content":
        return None
    return f"{EDITIONS_PATH}/{month}/edit#{path_id(problem.field)}"


@editions_router.get(EDITIONS_PATH + "/{month}", response_class=HTMLResponse)
def overview(request: Request, who: Viewer, month: str, done: str = "") -> Response:
    row = known_month(request, month)
    report = checked(ctx_of(request), month)  # cached per revision, templates, schedules
    notice = done if done in NOTICES else ""
    return signed_in_page(
        request,
        who,
        "edition.html",
        nav="editions",
        row=row,
        approval=approval_status(ctx_of(request), month),
        month=month,
        edition_nav=edition_pages(who, month),
        current="overview",
        report=report,
        links={p.field: field_link(month, p) for p in report.problems},
        labels={p.field: field_label(p.field, strings_of(who, request)) for p in report.problems},
        notice=notice,
    )


@editions_router.get(EDITIONS_PATH + "/{month}/history", response_class=HTMLResponse)
def history(request: Request, who: Viewer, month: str) -> Response:
    row = known_month(request, month)
    return signed_in_page(
        request,
        who,
        "edition_history.html",
        nav="editions",
        row=row,
        month=month,
        edition_nav=edition_pages(who, month),
        current="history",
        revisions=revision_history(ctx_of(request), month),
    )


def _revision(request: Request, month: str, number: int | None) -> Revision:
    known_month(request, month)
    try:
        return export_edition(ctx_of(request), month, number)
    except ContentError as err:
        raise HTTPException(status_code=404, detail="no such revision") from err


def yaml_download(request: Request, revision: Revision, filename: str) -> Response:
    headers = security_headers(ctx_of(request).settings)
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(revision.text, media_type="application/yaml; charset=utf-8", headers=headers)


# before the page's route: `{number}` alone would also match `3.yaml`
@editions_router.get(EDITIONS_PATH + "/{month}/history/{number}.yaml")
def revision_download(request: Request, who: Viewer, month: str, number: int) -> Response:
    revision = _revision(request, month, number)
    return yaml_download(request, revision, f"{month}-r{revision.number}.yaml")


@editions_router.get(EDITIONS_PATH + "/{month}/history/{number}", response_class=HTMLResponse)
def revision_page(request: Request, who: Viewer, month: str, number: int) -> Response:
    revision = _revision(request, month, number)
    return signed_in_page(
        request,
        who,
        "edition_revision.html",
        nav="editions",
        month=month,
        edition_nav=edition_pages(who, month),
        current="history",
        revision=revision,
    )


@editions_router.get(EDITIONS_PATH + "/{month}/export")
def export(request: Request, who: Viewer, month: str) -> Response:
    return yaml_download(request, _revision(request, month, None), f"{month}.yaml")
