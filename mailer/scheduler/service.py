"""APScheduler 3.x wiring for `mailer schedule run`: one active scheduler per database.

The active scheduler holds the `scheduler_lock` row and renews its heartbeat; a second one waits
as a standby (polling) and takes over when the lock is released or its holder stops beating for
`stale_after` (a crash), or exits at once with `wait=False`. Jobs live in the database
(`mailer.pipeline.schedules.jobs`), so a standby that takes over runs exactly the same jobs.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent

from mailer.core.errors import SchedulerLockedError, StorageError
from mailer.pipeline.context import Context
from mailer.pipeline.schedules import lock
from mailer.pipeline.schedules.jobs import (
    RuleTrigger,
    SafeBackgroundScheduler,
    ScheduleSyncReport,
    load_schedules,
    scheduler_options,
    sync_jobs,
)
from mailer.pipeline.schedules.runs import record_missed

__all__ = ["LOCK_NAME", "RunnerState", "SchedulerRunner", "make_holder"]

LOCK_NAME = "scheduler"
log = logging.getLogger("mailer.scheduler.service")


def make_holder() -> str:
    """Who holds the lock, readable by an operator: host, process id and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class RunnerState(StrEnum):
    """Where a scheduler process stands: waiting for the lock, scheduling, or done."""

    STARTING = "starting"
    STANDBY = "standby"  # another scheduler holds the lock
    ACTIVE = "active"  # holds the lock and runs the jobs
    LOST = "lost"  # the lock went to another scheduler (or could not be renewed)
    STOPPED = "stopped"


class SchedulerRunner:
    """Standby until the lock is ours, then schedule until `stop()` (or the lock is lost)."""

    def __init__(
        self,
        ctx: Context,
        *,
        wait: bool = True,
        holder: str | None = None,
        heartbeat_seconds: float = 30.0,
        stale_after: timedelta = timedelta(minutes=2),
        poll_seconds: float = 15.0,
        on_state: Callable[[RunnerState, str], None] | None = None,
        on_tick: Callable[[str], None] | None = None,
    ) -> None:
        """`on_state(state, detail)` hears every change of state; `on_tick(what)` every step of
        the loops: "standby" (the lock was found held), "beat" (the lock renewed), "processed"
        (the scheduler went through its job store), so a caller can wait for steps, not time."""
        if heartbeat_seconds * 4 > stale_after.total_seconds():
            raise ValueError("heartbeat_seconds must be at most a quarter of stale_after")
        self.ctx = ctx
        self.wait = wait
        self.holder = holder or make_holder()
        self.heartbeat_seconds = heartbeat_seconds
        self.stale_after = stale_after
        self.poll_seconds = poll_seconds
        self.on_state = on_state or (lambda state, detail: log.info("%s: %s", state, detail))
        self.on_tick = on_tick or (lambda _what: None)
        self.state = RunnerState.STARTING
        self.sync_report: ScheduleSyncReport | None = None
        self._stop = threading.Event()
        self._scheduler: SafeBackgroundScheduler | None = None

    def stop(self) -> None:
        """Ask the runner to shut down cleanly (safe from a signal handler or another thread)."""
        self._stop.set()

    def _set_state(self, state: RunnerState, detail: str) -> None:
        self.state = state
        self.on_state(state, detail)

    def run(self) -> None:
        """Block until stopped. Raises SchedulerLockedError with `wait=False` when another
        scheduler is active, ScheduleError when schedules/*.yaml is invalid."""
        schedules = load_schedules(self.ctx.settings.schedules_dir)  # fail before any waiting
        while not self._stop.is_set():
            try:
                attempt = lock.try_lock(
                    self.ctx, LOCK_NAME, self.holder, stale_after=self.stale_after
                )
            except StorageError as err:
                if not self.wait:
                    raise
                log.warning("%s (retrying)", err)
                self._stop.wait(self.poll_seconds)
                continue
            if not attempt.acquired:
                if not self.wait:
                    beat = attempt.beat
                    raise SchedulerLockedError(attempt.holder, beat.isoformat() if beat else "?")
                if self.state is not RunnerState.STANDBY:
                    self._set_state(
                        RunnerState.STANDBY, f"waiting for the lock held by {attempt.holder}"
                    )
                self.on_tick("standby")
                self._stop.wait(self.poll_seconds)
                continue
            try:
                self._active(schedules)
            finally:
                self._release()
        self._set_state(RunnerState.STOPPED, "scheduler stopped, lock released")

    def _release(self) -> None:
        try:
            lock.release(self.ctx, LOCK_NAME, self.holder)
        except StorageError as err:  # the lock goes stale and a standby takes over
            log.warning("could not release the lock: %s", err)

    def _beat(self, last_ok: float) -> tuple[bool, float]:
        """Renew the lock: (still ours, time of the last successful beat). While the database
        cannot be reached we keep scheduling only for half the stale time: after a full stale
        time a standby may take over, and two active schedulers must never overlap."""
        try:
            alive = lock.heartbeat(self.ctx, LOCK_NAME, self.holder)
        except StorageError as err:
            log.warning("heartbeat failed: %s", err)
            return time.monotonic() - last_ok < self.stale_after.total_seconds() / 2, last_ok
        return alive, time.monotonic()

    def _active(self, schedules: list[Any]) -> None:
        scheduler = SafeBackgroundScheduler(
            on_processed=lambda: self.on_tick("processed"), **scheduler_options(self.ctx)
        )
        scheduler.start(paused=True)
        self._scheduler = scheduler
        try:
            self.sync_report = sync_jobs(scheduler, schedules)
            scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
            scheduler.add_listener(self._on_error, EVENT_JOB_ERROR)
            scheduler.resume()
            self._set_state(RunnerState.ACTIVE, f"holding the lock as {self.holder}")
            last_ok = time.monotonic()
            while not self._stop.wait(self.heartbeat_seconds):
                alive, last_ok = self._beat(last_ok)
                if not alive:
                    self._set_state(
                        RunnerState.LOST, "the lock was taken over or unreachable; standby"
                    )
                    return
                self.on_tick("beat")
                # Jobs written by `mailer schedule sync` in another process are only seen when
                # the scheduler looks at the store again: wake it on every heartbeat.
                scheduler.wakeup()
        finally:
            scheduler.shutdown(wait=True)
            self._scheduler = None

    def _on_missed(self, event: JobExecutionEvent) -> None:
        scheduler = self._scheduler
        try:
            job = scheduler.get_job(event.job_id) if scheduler else None
            if job is None or not isinstance(job.trigger, RuleTrigger):
                log.error(
                    "missed run of unknown job %s at %s", event.job_id, event.scheduled_run_time
                )
                return
            record_missed(
                job.kwargs["job_id"],
                job.trigger.kind,
                job.kwargs["schedule"],
                job.kwargs["rule"],
                job.kwargs["targets"],
                scheduled_for=event.scheduled_run_time,
                ctx=self.ctx,
            )
        except Exception:
            # A listener must never kill the scheduler thread; the log keeps the evidence.
            log.exception("could not record the missed run of %s", event.job_id)

    def _on_error(self, event: JobExecutionEvent) -> None:
        log.error("job %s failed: %s\n%s", event.job_id, event.exception, event.traceback)
