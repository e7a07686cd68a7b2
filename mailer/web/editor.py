"""The workspace editor: an edition as a structured form (mailer.core.edition.form), Finnish and
Swedish side by side, saved as a revision through the same validation as `edition import`.

Without JavaScript: add, remove and move are submit buttons (`action=add:national`, ...) that
re-render the form with the unsaved input kept. The first submit button of the form is Save, so
Enter in a text field saves instead of moving an item. A save names the revision the form was
based on (`base`); another revision saved meanwhile answers 409 with who saved it and when, the
input kept, and only an explicit "save over it" (`action=overwrite:<n>`) replaces it. After a
save the browser is sent back to the form (303), which shows the check's problems next to their
fields.

With JavaScript, templates/web/static/editor-check.js posts the form as typed to `/check`, which
reads it and builds its text as the save does, runs the save's check (`unsaved_problems`: the
content and the editorial rules; rendering the ten variants waits for a save) and stores nothing.
It answers the problems as the page's own notes (workspace/editor_notes.html), so the script
swaps in the very elements a save would show.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from mailer.core.edition.content import ContentProblem, Severity
from mailer.core.edition.form import (
    LISTS,
    REGIONS,
    apply_action,
    edition_data,
    edition_text,
    form_view,
    parse_form,
    path_id,
)
from mailer.core.edition.revisions import EditionProblemsError
from mailer.core.models import Language, Region
from mailer.core.regions import REGION_NAMES
from mailer.core.yaml_lines import YamlSyntaxError, load_with_lines
from mailer.pipeline.editions.review import checked
from mailer.pipeline.editions.workspace import (
    EditionConflictError,
    EditionRow,
    save_edition,
    unsaved_problems,
)
from mailer.pipeline.media import library, media_url
from mailer.web.editions import (
    EDITIONS_PATH,
    NOTICES,
    Editor,
    actor,
    field_label,
    known_month,
)
from mailer.web.pages import html_response, security_headers
from mailer.web.review_common import edition_pages
from mailer.web.sessions import CSRF_FIELD, Visitor, check_csrf
from mailer.web.shell import ctx_of, signed_in_page, strings

__all__ = ["router"]

router = APIRouter()

# Fields of the form that are not content.
_CONTROL = {CSRF_FIELD, "base", "action"}


def _problem_map(problems: list[ContentProblem]) -> dict[str, list[ContentProblem]]:
    by_field: dict[str, list[ContentProblem]] = defaultdict(list)
    for problem in problems:
        by_field[problem.field].append(problem)
    return dict(by_field)


def _anchors(view: dict[str, Any]) -> set[str]:
    """Every path the form shows a problem at: fields, items and lists."""
    found = {f"{key}.{lang}" for key in ("subject", "preheader", "intro", "closing")
             for lang in ("fi", "sv")}  # fmt: skip
    found.update(LISTS)

    def walk(value: Any, path: str) -> None:
        found.add(path)
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}")
        elif isinstance(value, list) and not path.endswith("regions"):
            for index, inner in enumerate(value):
                walk(inner, f"{path}[{index}]")

    for where in ("national", "themes", "events"):
        walk(view[where], where)
    for region in REGIONS:
        walk(view["regional"][region], f"regional.{region}")
    return found


def _shown(problems: list[ContentProblem], anchors: set[str]) -> list[ContentProblem]:
    """The problems the page lists: warnings only where a field can show them."""
    return [p for p in problems if p.severity is not Severity.WARNING or p.field in anchors]


def _editor_page(
    request: Request,
    who: Visitor,
    row: EditionRow,
    view: dict[str, Any],
    *,
    base: int,
    problems: list[ContentProblem],
    status: int = 200,
    focus: str | None = None,
    notice: str = "",
    conflict: EditionConflictError | None = None,
    blocked: bool = False,
) -> HTMLResponse:
    anchors = _anchors(view)
    t = strings(ctx_of(request).settings, who.account.ui_language) if who.account else {}
    summary = [
        (p, f"#{path_id(p.field)}" if p.field in anchors else None, field_label(p.field, t))
        for p in _shown(problems, anchors)
    ]
    language = Language.SV if who.account and who.account.ui_language.value == "sv" else Language.FI
    response = signed_in_page(
        request,
        who,
        "edition_edit.html",
        status=status,
        nav="editions",
        row=row,
        month=row.month,
        edition_nav=edition_pages(who, row.month),
        current="edit",
        form=view,
        base=base,
        problems=_problem_map(problems),
        summary=summary,
        blocked=blocked,
        focus=focus or "",
        notice=notice,
        conflict=conflict,
        regions=[(r.value, REGION_NAMES[r][language]) for r in Region],
        media_images=[
            (media_url(ctx_of(request), m.id, m.extension), m.filename)
            for m in library(ctx_of(request))
        ],
        pid=path_id,
    )
    # the one page with a script of ours (the live check): still none inline
    policy = security_headers(ctx_of(request).settings, scripts=True)["Content-Security-Policy"]
    response.headers["Content-Security-Policy"] = policy
    return response


@lru_cache(maxsize=32)
def _view_of(month: str, text: str) -> dict[str, Any]:
    # A revision's text never changes, and parsing it (with its line numbers) was a third of
    # the page's time: each process keeps the latest few, keyed by the text itself.
    try:
        data = load_with_lines(text)[0]
    except YamlSyntaxError:
        data = {}  # a revision stored before a rule existed: the form starts empty
    return form_view(data, month)


def _stored_view(row: EditionRow) -> dict[str, Any]:
    assert row.latest is not None
    return copy.deepcopy(_view_of(row.month, row.latest.text))  # the cached one stays intact


@router.get(EDITIONS_PATH + "/{month}/edit", response_class=HTMLResponse)
def edit_page(request: Request, who: Editor, month: str, done: str = "") -> Response:
    row = known_month(request, month)
    assert row.latest is not None
    report = checked(ctx_of(request), month)  # cached per revision, templates, schedules
    return _editor_page(
        request,
        who,
        row,
        _stored_view(row),
        base=row.latest.number,
        problems=report.problems,
        notice=done if done in NOTICES else "",
    )


def _base(value: object) -> int:
    text = value if isinstance(value, str) else ""
    return int(text) if text.isdigit() else 0


async def _posted(request: Request, month: str) -> tuple[FormData, dict[str, Any]]:
    """The posted form, and its content as the editor's view (what a save and a check read)."""
    form = await request.form()
    fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k not in _CONTROL]
    return form, parse_form(fields, month)


def _text(view: dict[str, Any]) -> str:
    """The edition text a save of this form would store."""
    return edition_text(edition_data(view))


@router.post(EDITIONS_PATH + "/{month}/edit", dependencies=[Depends(check_csrf)])
async def save(request: Request, who: Editor, month: str) -> Response:
    row = known_month(request, month)
    form, view = await _posted(request, month)
    base = _base(form.get("base"))
    action = form.get("action")
    action = action if isinstance(action, str) else ""
    if action.startswith("overwrite:"):
        base = _base(action.removeprefix("overwrite:"))  # the user chose to save over it
    elif action:
        view, focus = apply_action(view, action)
        return _editor_page(request, who, row, view, base=base, problems=[], focus=focus)
    return await _save(request, who, row, view, base)


async def _save(
    request: Request, who: Visitor, row: EditionRow, view: dict[str, Any], base: int
) -> Response:
    ctx = ctx_of(request)
    text = _text(view)
    try:
        saved = save_edition(ctx, row.month, text, actor(who), base)
    except EditionProblemsError:
        problems = unsaved_problems(ctx, row.month, text)
        return _editor_page(
            request, who, row, view, base=base, problems=problems, status=400, blocked=True
        )
    except EditionConflictError as err:
        return _editor_page(
            request, who, row, view, base=base, problems=[], status=409, conflict=err
        )
    done = "saved" if saved.created else "nothing"
    return RedirectResponse(f"{EDITIONS_PATH}/{row.month}/edit?done={done}", status_code=303)


@router.post(EDITIONS_PATH + "/{month}/check", dependencies=[Depends(check_csrf)])
async def live_check(request: Request, who: Editor, month: str) -> Response:
    """The save's check of the form as typed; stores nothing (no revision, no audit entry, the
    approval stands). Answers the problems as the form's notes, in the user's language."""
    # the database and the schedules files are read off the event loop: this runs as people type
    row = await run_in_threadpool(known_month, request, month)
    _form, view = await _posted(request, row.month)
    return await run_in_threadpool(_check_answer, request, who, row, view)


def _check_answer(
    request: Request, who: Visitor, row: EditionRow, view: dict[str, Any]
) -> Response:
    ctx = ctx_of(request)
    assert who.account is not None
    problems = unsaved_problems(ctx, row.month, _text(view))
    anchors = _anchors(view)
    return html_response(
        ctx.settings,
        "workspace/editor_check.html",
        t=strings(ctx.settings, who.account.ui_language),
        problems=_problem_map([p for p in problems if p.field in anchors]),
        count=len(_shown(problems, anchors)),
        pid=path_id,
    )
