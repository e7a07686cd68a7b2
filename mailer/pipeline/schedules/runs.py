"""What a schedule does when it fires: send an approved edition, or tell the coordinators why not.

APScheduler calls `fire_send`, `fire_reminder` by import path with the job's JSON-able kwargs;
the scheduler's missed-run listener calls `record_missed`. Each builds its Context from
`load_settings()` unless one is injected (tests), and records a `schedule_runs` row FIRST: the
row's unique (job, kind, time) makes a duplicate fire (restart, second process) do nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from mailer.config import load_settings
from mailer.core.errors import EditionNotApprovedError
from mailer.core.models import Language, Region, ScheduleRunOutcome
from mailer.core.schedule.spec import Rule
from mailer.core.schedule.times import (
    FireKind,
    deadline_for,
    edition_for,
    latest_fire_at_or_before,
    planned_for_fire,
)
from mailer.pipeline.context import Context
from mailer.pipeline.editions.check import approval_status, require_approved
from mailer.pipeline.schedules.notices import NoticeReason, notify_coordinators
from mailer.pipeline.schedules.skips import list_skips, skip_for
from mailer.pipeline.send.deliver import send_edition
from mailer.providers.base import Provider
from mailer.store import schedules as store

__all__ = ["fire_reminder", "fire_send", "parse_target", "recent_runs", "record_missed"]

log = logging.getLogger("mailer.schedules")


def parse_target(target: str) -> tuple[Region | None, Language | None]:
    """A job target as send filters: "hyks-sv" -> (hyks, sv); "*" means every region or every
    language (send_edition's None)."""
    region, _, language = target.partition("-")
    return (
        None if region == "*" else Region(region),
        None if language in ("*", "") else Language(language),
    )


@contextmanager
def _context(ctx: Context | None) -> Iterator[Context]:
    if ctx is not None:
        yield ctx
        return
    own = Context(load_settings())
    try:
        yield own
    finally:
        own.close()


def _problem(ctx: Context, edition: str, deadline: datetime) -> NoticeReason | None:
    """Why the edition may not go out now, or None when it is approved, unchanged and in time."""
    status = approval_status(ctx, edition)
    if not status.exists or status.state == "missing":
        return NoticeReason("missing", "no revision in the database")
    if status.changed_since_approval:
        return NoticeReason("changed", f"changed since approval by {status.approved_by}")
    if status.state not in ("approved", "sent"):
        return NoticeReason("not-approved", "not approved")
    if status.approved_at is not None and status.approved_at > deadline:
        return NoticeReason(
            "late", f"approved at {status.approved_at.isoformat()}, after the deadline"
        )
    try:
        require_approved(ctx, edition)  # the guard `mailer send` uses: hash checked again
    except EditionNotApprovedError as err:
        return NoticeReason("not-approved", err.reason)
    return None


def _claim(
    ctx: Context, job_id: str, kind: str, *, fire: datetime, edition: str, now: datetime
) -> int | None:
    with ctx.engine.begin() as conn:
        return store.claim_run(
            conn, job_id=job_id, kind=kind, scheduled_for=fire, edition=edition, ran_at=now
        )


def _unskipped(
    ctx: Context, edition: str, schedule: str, targets: list[str]
) -> tuple[list[str], str]:
    """The targets not skipped for this month, and what the skipped ones say (who, why)."""
    skips = list_skips(ctx, [edition])
    keep, said = [], []
    for target in targets:
        found = skip_for(skips, edition, schedule, target)
        if found is None:
            keep.append(target)
        else:
            why = f": {found.reason}" if found.reason else ""
            said.append(f"{target} skipped by {found.skipped_by}{why}")
    return keep, "; ".join(said)


def _finish(
    ctx: Context, run_id: int, outcome: ScheduleRunOutcome, detail: str | None = None
) -> ScheduleRunOutcome:
    with ctx.engine.begin() as conn:
        store.finish_run(conn, run_id, outcome, detail)
    log.info("schedule run %s: %s %s", run_id, outcome, detail or "")
    return outcome


def fire_send(
    job_id: str,
    schedule: str,
    rule: dict[str, Any],
    targets: list[str],
    *,
    ctx: Context | None = None,
    now: datetime | None = None,
    provider: Provider | None = None,
) -> ScheduleRunOutcome:
    """Send the month's edition to `targets` if approved, unchanged and not past the deadline;
    otherwise send no letter and notify the coordinators (at the first fire that finds the
    problem and at the deadline; the daily retries in between stay quiet). Returns the outcome
    recorded: sent / held / waiting / already-sent / failed / duplicate."""
    with _context(ctx) as context:
        at = now or context.now()
        parsed = Rule.model_validate(rule)
        fire = latest_fire_at_or_before(parsed, "send", at)
        if fire is None:
            log.warning("%s fired at %s, which is no fire time of its rule", job_id, at)
            return ScheduleRunOutcome.NO_FIRE
        planned = planned_for_fire(parsed, "send", fire)
        edition = edition_for(planned, parsed.zone)
        deadline = deadline_for(parsed, planned)
        run_id = _claim(context, job_id, "send", fire=fire, edition=edition, now=at)
        if run_id is None:
            return ScheduleRunOutcome.DUPLICATE
        targets, skipped = _unskipped(context, edition, schedule, targets)
        if not targets:  # the month is skipped: no letter, no notice
            return _finish(context, run_id, ScheduleRunOutcome.SKIPPED, skipped)
        with context.engine.connect() as conn:
            earlier = store.send_outcomes(conn, job_id, edition)
        if ScheduleRunOutcome.SENT in earlier:
            return _finish(context, run_id, ScheduleRunOutcome.ALREADY_SENT)
        problem = _problem(context, edition, deadline)
        if problem is None:
            return _send(
                context,
                run_id,
                schedule=schedule,
                edition=edition,
                targets=targets,
                provider=provider,
                note=skipped,
            )
        # Tell the coordinators once (at the first fire that finds the problem, which is a retry
        # when the planned fire was missed), and again at the deadline; retries in between stay
        # quiet.
        if ScheduleRunOutcome.HELD in earlier and fire != deadline:
            return _finish(
                context, run_id, ScheduleRunOutcome.WAITING, f"{problem.code}: {problem.detail}"
            )
        stage = "deadline" if fire == deadline else "planned"
        notify_coordinators(
            context,
            provider,
            kind=stage,
            edition=edition,
            schedule=schedule,
            targets=targets,
            planned=planned,
            deadline=deadline,
            problem=problem,
        )
        return _finish(
            context, run_id, ScheduleRunOutcome.HELD, f"{problem.code}: {problem.detail}"
        )


def _send(
    ctx: Context,
    run_id: int,
    *,
    schedule: str,
    edition: str,
    targets: list[str],
    provider: Provider | None,
    note: str = "",
) -> ScheduleRunOutcome:
    summary = [note] if note else []
    unfinished = 0
    try:
        for target in targets:
            region, language = parse_target(target)
            report = send_edition(ctx, edition, region=region, language=language)
            unfinished += report.failed + report.ambiguous + report.queued
            summary.append(
                f"{target}: {report.accepted} accepted, {report.failed} failed, "
                f"{report.ambiguous} ambiguous, {report.queued} queued"
            )
    except Exception as err:
        # Nobody watches a scheduled job: whatever stops the send (provider, database, a bug),
        # the coordinators hear of it, and the next retry (or `mailer send`) resumes the ledger.
        log.exception("scheduled send of %s failed", edition)
        summary.append(str(err))
    else:
        if not unfinished:
            return _finish(ctx, run_id, ScheduleRunOutcome.SENT, "; ".join(summary))
    # Failed or unfinished deliveries: not "sent", so the next daily retry resumes the ledger
    # (which never mails anyone twice) until the deadline.
    detail = "; ".join(summary)
    notify_coordinators(
        ctx,
        provider,
        kind="failed",
        edition=edition,
        schedule=schedule,
        targets=targets,
        problem=NoticeReason("failed", detail),
    )
    return _finish(ctx, run_id, ScheduleRunOutcome.FAILED, detail)


def fire_reminder(
    job_id: str,
    schedule: str,
    rule: dict[str, Any],
    targets: list[str],
    *,
    ctx: Context | None = None,
    now: datetime | None = None,
    provider: Provider | None = None,
) -> ScheduleRunOutcome:
    """`reminder_days` before a planned send: remind the coordinators if the edition is not yet
    approved (or changed since approval). An approved edition gets no mail."""
    with _context(ctx) as context:
        at = now or context.now()
        parsed = Rule.model_validate(rule)
        fire = latest_fire_at_or_before(parsed, "reminder", at)
        if fire is None:
            return ScheduleRunOutcome.NO_FIRE
        planned = planned_for_fire(parsed, "reminder", fire)
        edition = edition_for(planned, parsed.zone)
        run_id = _claim(context, job_id, "reminder", fire=fire, edition=edition, now=at)
        if run_id is None:
            return ScheduleRunOutcome.DUPLICATE
        targets, skipped = _unskipped(context, edition, schedule, targets)
        if not targets:  # nobody is nagged about a month that will not be sent
            return _finish(context, run_id, ScheduleRunOutcome.SKIPPED, skipped)
        problem = _problem(context, edition, deadline_for(parsed, planned))
        if problem is None:
            return _finish(context, run_id, ScheduleRunOutcome.APPROVED)
        notify_coordinators(
            context,
            provider,
            kind="reminder",
            edition=edition,
            schedule=schedule,
            targets=targets,
            planned=planned,
            deadline=deadline_for(parsed, planned),
            problem=problem,
        )
        return _finish(
            context, run_id, ScheduleRunOutcome.REMINDED, f"{problem.code}: {problem.detail}"
        )


def record_missed(
    job_id: str,
    kind: FireKind,
    schedule: str,
    rule: dict[str, Any],
    targets: list[str],
    *,
    scheduled_for: datetime,
    ctx: Context | None = None,
    now: datetime | None = None,
    provider: Provider | None = None,
) -> ScheduleRunOutcome:
    """The scheduler was down past the grace time: record a `missed` run and tell coordinators
    (a send can still go out at a later retry before the deadline, or by hand: `mailer send`)."""
    with _context(ctx) as context:
        at = now or context.now()
        parsed = Rule.model_validate(rule)
        try:
            planned = planned_for_fire(parsed, kind, scheduled_for)
        except ValueError:
            planned = scheduled_for
        edition = edition_for(planned, parsed.zone)
        run_id = _claim(context, job_id, "missed", fire=scheduled_for, edition=edition, now=at)
        if run_id is None:
            return ScheduleRunOutcome.DUPLICATE
        targets, skipped = _unskipped(context, edition, schedule, targets)
        if not targets:
            return _finish(context, run_id, ScheduleRunOutcome.SKIPPED, skipped)
        notify_coordinators(
            context,
            provider,
            kind="missed",
            edition=edition,
            schedule=schedule,
            targets=targets,
            planned=planned,
            deadline=deadline_for(parsed, planned),
            problem=NoticeReason("missed", f"{kind} due at {scheduled_for.isoformat()} was missed"),
        )
        return _finish(
            context, run_id, ScheduleRunOutcome.MISSED, f"{kind} at {scheduled_for.isoformat()}"
        )


def recent_runs(ctx: Context, *, limit: int = 20) -> list[dict[str, Any]]:
    """The latest schedule runs, times in the configured zone (for `mailer schedule runs`)."""
    with ctx.engine.connect() as conn:
        rows = store.list_runs(conn, limit=limit)
    return [
        {
            **dict(row),
            "scheduled_for": row["scheduled_for"].astimezone(ctx.zone),
            "ran_at": row["ran_at"].astimezone(ctx.zone),
        }
        for row in rows
    ]
