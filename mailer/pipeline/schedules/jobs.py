"""The APScheduler job store as a mirror of schedules/*.yaml: load and sync (add/change/remove).

Jobs live in the project's database (APScheduler's SQLAlchemyJobStore, table `apscheduler_jobs`),
have explicit ids, and name their function by import path with plain JSON-able kwargs, so a job
written by `mailer schedule sync` runs in whichever process holds the scheduler lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from pydantic import BaseModel

from mailer.core.errors import ScheduleError
from mailer.core.schedule.spec import Rule, Schedule, parse_schedule
from mailer.core.schedule.times import FireKind, fire_times
from mailer.pipeline.context import Context

__all__ = [
    "JOB_FUNCS",
    "RuleTrigger",
    "SafeBackgroundScheduler",
    "ScheduleSyncReport",
    "desired_jobs",
    "load_schedules",
    "open_job_store",
    "scheduler_options",
    "sync_jobs",
    "sync_schedules",
]

JOB_TABLE = "apscheduler_jobs"  # Alembic's env ignores it: APScheduler creates it itself
JOB_FUNCS: dict[FireKind, str] = {
    "send": "mailer.pipeline.schedules.runs:fire_send",
    "reminder": "mailer.pipeline.schedules.runs:fire_reminder",
}


class RuleTrigger(BaseTrigger):  # type: ignore[misc]
    """Fires at a rule's planned sends (and daily retries until the deadline) or its reminders.

    Delegates to the pure arithmetic in `mailer.core.schedule.times`; pickled into the job store as
    its plain rule dict, so a stored job survives restarts and package upgrades alike."""

    def __init__(self, rule: dict[str, Any], kind: FireKind) -> None:
        self.rule = rule
        self.kind: FireKind = kind
        self._rule = Rule.model_validate(rule)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # APScheduler's contract: the first time >= now when there is no previous fire, else the
        # first time after the previous fire (even if already past: its misfire logic decides).
        after = previous_fire_time if previous_fire_time else now - timedelta(microseconds=1)
        found = fire_times(self._rule, self.kind, after, 1)
        return found[0].astimezone(self._rule.zone) if found else None

    def __getstate__(self) -> dict[str, Any]:
        return {"version": 1, "rule": self.rule, "kind": self.kind}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["rule"], state["kind"])  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleTrigger) and (other.rule, other.kind) == (self.rule, self.kind)

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return f"{self.kind}: {self._rule.when.describe()} {self._rule.timezone}"

    __repr__ = __str__


def scheduler_options(ctx: Context) -> dict[str, Any]:
    return {
        "jobstores": {"default": SQLAlchemyJobStore(engine=ctx.engine, tablename=JOB_TABLE)},
        "executors": {"default": ThreadPoolExecutor(2)},
        # coalesce: a scheduler that was down runs a job once, not once per missed time.
        "job_defaults": {"coalesce": True, "max_instances": 1},
        "timezone": ctx.zone,
    }


class SafeBackgroundScheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler 3's BackgroundScheduler with one fix: `shutdown()` marks it stopped, shuts the
    executors down and then wakes the main loop, which processes the store once more; a job due
    at that moment fails to submit ("cannot schedule new futures after shutdown") yet gets its
    next run time advanced, so the run would be lost without a trace. A stopped scheduler must
    not touch the jobs: the next scheduler runs (or reports missed) what is due.
    Upstream: agronholm/apscheduler#285 and #985 (the error is reported; the lost run is ours)."""

    def __init__(self, *, on_processed: Callable[[], None] | None = None, **options: Any) -> None:
        # called after every pass over the job store: lets a caller wait for the next passes
        self.on_processed = on_processed
        super().__init__(**options)

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        result: float | None = super()._process_jobs()
        if self.on_processed is not None:
            self.on_processed()
        return result


class _StoreOnly(BaseScheduler):  # type: ignore[misc]
    """A scheduler without a main loop: reads and writes jobs, never runs or advances any."""

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def wakeup(self) -> None:
        """Nothing to wake: there is no loop (APScheduler calls this after job changes)."""


@contextmanager
def open_job_store(ctx: Context) -> Iterator[BaseScheduler]:
    """The job store through APScheduler's API, without running anything (`sync`, `list`)."""
    scheduler = _StoreOnly(**scheduler_options(ctx))
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def load_schedules(folder: Path) -> list[Schedule]:
    """Every schedules/*.yaml (and *.yml); names must be unique across files."""
    if not folder.is_dir():
        raise ScheduleError(str(folder), None, "(folder)", "schedules folder not found")
    found: dict[str, str] = {}
    schedules = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        schedule = parse_schedule(path.read_text(encoding="utf-8"), str(path))
        if schedule.name in found:
            raise ScheduleError(
                str(path),
                None,
                "name",
                f"{schedule.name!r} is already used by {found[schedule.name]}",
            )
        found[schedule.name] = str(path)
        schedules.append(schedule)
    return schedules


@dataclass(frozen=True)
class JobSpec:
    id: str
    kind: FireKind
    kwargs: dict[str, Any]
    trigger: RuleTrigger
    grace_seconds: int

    @property
    def name(self) -> str:
        return f"{self.kwargs['schedule']} {self.kind} {'+'.join(self.kwargs['targets'])}"


def desired_jobs(schedules: list[Schedule]) -> list[JobSpec]:
    jobs = []
    for schedule in schedules:
        for group in schedule.groups():
            kinds: list[FireKind] = ["send", "reminder"] if schedule.reminder_days else ["send"]
            rule = group.rule.model_dump(mode="json")
            for kind in kinds:
                job_id = f"{schedule.name}.{kind}.{group.key}"
                kwargs = {
                    "job_id": job_id,
                    "schedule": schedule.name,
                    "rule": rule,
                    "targets": list(group.targets),
                }
                grace = int(schedule.grace_hours * 3600)
                jobs.append(JobSpec(job_id, kind, kwargs, RuleTrigger(rule, kind), grace))
    return jobs


class ScheduleSyncReport(BaseModel):
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def _same(job: Any, spec: JobSpec) -> bool:
    return bool(
        job.func_ref == JOB_FUNCS[spec.kind]
        and job.kwargs == spec.kwargs
        and job.trigger == spec.trigger
        and job.misfire_grace_time == spec.grace_seconds
        and job.coalesce
        and job.name == spec.name
    )


def sync_jobs(scheduler: BaseScheduler, schedules: list[Schedule]) -> ScheduleSyncReport:
    """Make the job store match the schedules. An unchanged job is left alone, so its pending
    (possibly missed) next run survives; a changed one is replaced and rescheduled from now."""
    existing = {job.id: job for job in scheduler.get_jobs(jobstore="default")}
    report = ScheduleSyncReport(added=[], changed=[], removed=[], unchanged=[])
    wanted = desired_jobs(schedules)
    for spec in wanted:
        job = existing.get(spec.id)
        if job is not None and _same(job, spec):
            report.unchanged.append(spec.id)
            continue
        scheduler.add_job(
            JOB_FUNCS[spec.kind],
            trigger=spec.trigger,
            kwargs=spec.kwargs,
            id=spec.id,
            name=spec.name,
            jobstore="default",
            replace_existing=True,
            misfire_grace_time=spec.grace_seconds,
            coalesce=True,
            max_instances=1,
        )
        (report.changed if job is not None else report.added).append(spec.id)
    for job_id in sorted(set(existing) - {spec.id for spec in wanted}):
        scheduler.remove_job(job_id, jobstore="default")
        report.removed.append(job_id)
    return report


def sync_schedules(ctx: Context, scheduler: BaseScheduler | None = None) -> ScheduleSyncReport:
    """`mailer schedule sync`: schedules/*.yaml -> job store. Validates every file first, so a
    broken file changes nothing."""
    schedules = load_schedules(ctx.settings.schedules_dir)
    if scheduler is not None:
        return sync_jobs(scheduler, schedules)
    with open_job_store(ctx) as store:
        return sync_jobs(store, schedules)
