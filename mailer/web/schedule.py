"""The schedule page (issue 14): the planned sends per edition with the edition's state, the
months skipped, the latest runs; approvers skip a month (or undo a skip) here or with
`mailer schedule skip`. The schedules themselves stay in schedules/*.yaml."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from mailer.core.accounts import Permission
from mailer.core.edition.dates import is_month
from mailer.core.errors import MailerError
from mailer.pipeline import Context
from mailer.pipeline.editions.check import EditionStatus, approval_status
from mailer.pipeline.schedules.runs import recent_runs
from mailer.pipeline.schedules.skips import (
    ALL,
    SkipRow,
    known_targets,
    list_skips,
    skip_month,
    unskip_month,
)
from mailer.pipeline.schedules.views import JobView, list_jobs, mark_skipped, preview_schedules
from mailer.web.sessions import Visitor, check_csrf, require_permission
from mailer.web.shell import ctx_of, signed_in_page

__all__ = ["router"]

router = APIRouter()

Viewer = Annotated[Visitor, Depends(require_permission(Permission.EDIT_EDITIONS))]
Scheduler = Annotated[Visitor, Depends(require_permission(Permission.SCHEDULE))]
MONTHS_AHEAD = 3  # planned sends shown per job
RUNS_SHOWN = 10


class PlannedSend(NamedTuple):
    schedule: str
    targets: list[str]
    at: Any  # datetime in the schedule's zone
    deadline: Any
    skipped: list[str]


class MonthPlan(NamedTuple):
    month: str
    status: EditionStatus
    sends: list[PlannedSend]
    skips: list[SkipRow]


def _jobs(ctx: Context) -> tuple[list[JobView], bool]:
    """The stored jobs; when the job store is empty (never synced), what schedules/*.yaml would
    schedule, flagged so the page can say `mailer schedule sync` is due."""
    jobs = list_jobs(ctx, count=MONTHS_AHEAD)
    if jobs:
        return jobs, True
    views = preview_schedules(ctx, now=ctx.now(), count=MONTHS_AHEAD)
    return mark_skipped(views, list_skips(ctx)), False


def month_plans(ctx: Context) -> tuple[list[MonthPlan], bool]:
    """Every month with a planned send or a skip, oldest first."""
    jobs, synced = _jobs(ctx)
    sends: dict[str, list[PlannedSend]] = defaultdict(list)
    for job in jobs:
        if job.kind != "send":
            continue
        for fire in job.upcoming:
            if fire.role == "send":
                sends[fire.edition].append(
                    PlannedSend(job.schedule, job.targets, fire.at, fire.deadline, fire.skipped)
                )
    first = min(sends, default=ctx.now().astimezone(ctx.zone).strftime("%Y-%m"))
    skips: dict[str, list[SkipRow]] = defaultdict(list)
    for row in list_skips(ctx):
        if row.edition >= first:
            skips[row.edition].append(row)
    months = sorted(set(sends) | set(skips))
    plans = [
        MonthPlan(m, approval_status(ctx, m), sorted(sends[m], key=lambda s: s.at), skips[m])
        for m in months
    ]
    return plans, synced


def _page(request: Request, who: Visitor, *, status: int = 200, **form: Any) -> Response:
    ctx = ctx_of(request)
    try:
        plans, synced = month_plans(ctx)
        choices = [(s, t) for s, ts in known_targets(ctx).items() for t in [ALL, *ts]]
        problem = None
    except (MailerError, OSError) as err:  # a broken schedules folder: say so, show the rest
        plans, synced, choices, problem = [], True, [], str(err)
    assert who.account is not None
    return signed_in_page(
        request,
        who,
        "schedule.html",
        status=status,
        nav="schedule",
        plans=plans,
        synced=synced,
        problem=problem,
        runs=recent_runs(ctx, limit=RUNS_SHOWN),
        choices=choices,
        may_schedule=who.account.may(Permission.SCHEDULE),
        form=form,
    )


@router.get("/schedule")
def schedule_page(request: Request, who: Viewer) -> Response:
    return _page(request, who)


def _scope(value: str) -> tuple[str, str]:
    """The form's "schedule|target" choice ("" or "*|*": every schedule)."""
    schedule, _, target = value.partition("|")
    return (schedule or ALL), (target or ALL)


@router.post("/schedule/skip", dependencies=[Depends(check_csrf)])
def skip(
    request: Request,
    who: Scheduler,
    *,
    month: Annotated[str, Form(max_length=40)] = "",
    scope: Annotated[str, Form(max_length=130)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    undo: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    ctx = ctx_of(request)
    assert who.account is not None
    month = month.strip()
    if not is_month(month):
        return _page(request, who, status=400, month=month, reason=reason, error="month")
    schedule, target = _scope(scope)
    actor = who.account.email
    try:
        if undo:
            unskip_month(ctx, month, actor=actor, schedule=schedule, target=target)
        else:
            skip_month(ctx, month, actor=actor, schedule=schedule, target=target, reason=reason)
    except MailerError:
        return _page(request, who, status=400, month=month, reason=reason, error="scope")
    return RedirectResponse(f"/schedule#month-{month}", status_code=303)
