"""What the schedules will do, for people: the jobs in the store with their next fire times
(`mailer schedule list`), and the same computed from the YAML alone (`mailer schedule check`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from mailer.core.schedule.spec import MAX_DAYS, Rule
from mailer.core.schedule.times import (
    FireKind,
    deadline_for,
    edition_for,
    fire_times,
    planned_for_fire,
)
from mailer.pipeline.context import Context
from mailer.pipeline.schedules.jobs import RuleTrigger, desired_jobs, load_schedules, open_job_store
from mailer.pipeline.schedules.skips import SkipRow, list_skips, skip_for

__all__ = [
    "JobView",
    "UpcomingFire",
    "list_jobs",
    "mark_skipped",
    "preview_schedules",
    "upcoming",
]


class UpcomingFire(BaseModel):
    at: datetime  # in the schedule's zone
    role: str  # send / retry / reminder
    edition: str
    planned: datetime
    deadline: datetime
    skipped: list[str] = []  # the job's targets skipped for this edition (schedule_skips)


class JobView(BaseModel):
    id: str
    schedule: str
    kind: str
    targets: list[str]
    rule: str
    next_run: datetime | None
    upcoming: list[UpcomingFire]


def upcoming(
    rule: Rule, kind: FireKind, after: datetime, count: int, *, retries: bool = False
) -> list[UpcomingFire]:
    """The next `count` fires strictly after `after`: planned sends and reminders, plus the
    daily retries until each deadline with `retries=True`."""
    found: list[UpcomingFire] = []
    # at most 22 fires a month (a send and 21 retries): enough to find `count` sends
    for at in fire_times(rule, kind, after, count * (MAX_DAYS + 1)):
        if len(found) == count:
            break
        planned = planned_for_fire(rule, kind, at)
        role = kind if kind == "reminder" or at == planned else "retry"
        if role == "retry" and not retries:
            continue
        found.append(
            UpcomingFire(
                at=at.astimezone(rule.zone),
                role=role,
                edition=edition_for(planned, rule.zone),
                planned=planned.astimezone(rule.zone),
                deadline=deadline_for(rule, planned).astimezone(rule.zone),
            )
        )
    return found


def mark_skipped(views: list[JobView], skips: list[SkipRow]) -> list[JobView]:
    """Fill each fire's `skipped` with the job's targets skipped for its edition."""
    for view in views:
        for fire in view.upcoming:
            fire.skipped = [
                t for t in view.targets if skip_for(skips, fire.edition, view.schedule, t)
            ]
    return views


def _sorted(views: list[JobView]) -> list[JobView]:
    return sorted(
        views, key=lambda v: (v.next_run.timestamp() if v.next_run else float("inf"), v.id)
    )


def list_jobs(ctx: Context, *, count: int = 3, retries: bool = False) -> list[JobView]:
    """Each stored job with its next `count` fire times in the schedule's zone, counted from the
    job's stored next run (which may be a pending, missed one)."""
    views = []
    with open_job_store(ctx) as store:
        jobs = store.get_jobs(jobstore="default")
    for job in jobs:
        trigger = job.trigger
        if not isinstance(trigger, RuleTrigger):
            continue
        rule = Rule.model_validate(trigger.rule)
        nxt = job.next_run_time
        fires = []
        if nxt is not None:
            after = nxt - timedelta(microseconds=1)
            fires = upcoming(rule, trigger.kind, after, count, retries=retries)
        views.append(
            JobView(
                id=job.id,
                schedule=job.kwargs.get("schedule", ""),
                kind=trigger.kind,
                targets=list(job.kwargs.get("targets", [])),
                rule=str(trigger),
                next_run=nxt.astimezone(rule.zone) if nxt else None,
                upcoming=fires,
            )
        )
    return _sorted(mark_skipped(views, list_skips(ctx)))


def preview_schedules(
    ctx: Context, *, now: datetime, count: int = 3, retries: bool = False
) -> list[JobView]:
    """The jobs schedules/*.yaml defines, with their fire times after `now`: validates the files
    and shows what a sync would schedule, without touching the database."""
    views = []
    for spec in desired_jobs(load_schedules(ctx.settings.schedules_dir)):
        rule = Rule.model_validate(spec.trigger.rule)
        fires = upcoming(rule, spec.kind, now, count, retries=retries)
        views.append(
            JobView(
                id=spec.id,
                schedule=spec.kwargs["schedule"],
                kind=spec.kind,
                targets=list(spec.kwargs["targets"]),
                rule=str(spec.trigger),
                next_run=fires[0].at if fires else None,
                upcoming=fires,
            )
        )
    return _sorted(views)
