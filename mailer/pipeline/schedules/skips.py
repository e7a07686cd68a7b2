"""Skipped months: a coordinator decides that a month's letter does not go out (a summer break, a
double issue). Kept in the database (`schedule_skips`), shown by `mailer schedule list` and the
/schedule page, and honoured by the scheduler's `fire_send` and `fire_reminder`: a skipped target
gets no letter and no reminder, and the run is recorded as `skipped` with the reason.

A skip names every schedule ("*") or one schedule, and every target of it ("*") or one of the
targets its jobs send to (as in `mailer schedule list`, e.g. "*-*", "hyks-sv").
"""

from __future__ import annotations

from collections.abc import Iterable

from mailer.core.accounts import AuditAction
from mailer.core.edition.dates import is_month
from mailer.core.errors import ScheduleError
from mailer.pipeline.audit import record_in
from mailer.pipeline.context import Context
from mailer.pipeline.schedules.jobs import desired_jobs, load_schedules
from mailer.store import schedules as store
from mailer.store.schedules import SkipRow

__all__ = [
    "ALL",
    "SkipRow",
    "known_targets",
    "list_skips",
    "skip_for",
    "skip_month",
    "unskip_month",
]

ALL = "*"


def known_targets(ctx: Context) -> dict[str, list[str]]:
    """Each schedule of schedules/*.yaml with the targets its send jobs cover."""
    found: dict[str, list[str]] = {}
    for spec in desired_jobs(load_schedules(ctx.settings.schedules_dir)):
        if spec.kind == "send":
            found.setdefault(spec.kwargs["schedule"], []).extend(spec.kwargs["targets"])
    return found


def _validate(ctx: Context, month: str, schedule: str, target: str) -> None:
    if not is_month(month):
        raise ScheduleError(month, None, "month", "expected YYYY-MM, e.g. 2027-07")
    if schedule == ALL and target == ALL:
        return
    known = known_targets(ctx)
    if schedule == ALL:
        raise ScheduleError(month, None, "target", "a target needs its schedule (--schedule)")
    if schedule not in known:
        names = ", ".join(sorted(known)) or "none"
        raise ScheduleError(month, None, "schedule", f"no schedule {schedule!r} (known: {names})")
    if target != ALL and target not in known[schedule]:
        targets = ", ".join(known[schedule])
        raise ScheduleError(
            month, None, "target", f"{schedule} has no target {target!r} (its targets: {targets})"
        )


def skip_month(
    ctx: Context,
    month: str,
    *,
    actor: str,
    schedule: str = ALL,
    target: str = ALL,
    reason: str = "",
) -> bool:
    """Skip the month (for one schedule / target, or all); audited. False if already skipped."""
    _validate(ctx, month, schedule, target)
    with ctx.engine.begin() as conn:
        added = store.add_skip(
            conn,
            edition=month,
            schedule=schedule,
            target=target,
            reason=reason.strip(),
            skipped_by=actor,
            at=ctx.now(),
        )
        if added:
            detail = f"skip {schedule}/{target}" + (f": {reason.strip()}" if reason.strip() else "")
            record_in(
                conn,
                ctx.now(),
                actor=actor,
                action=AuditAction.SCHEDULE_CHANGED,
                target=month,
                detail=detail,
            )
    return added


def unskip_month(
    ctx: Context, month: str, *, actor: str, schedule: str = ALL, target: str = ALL
) -> bool:
    """Undo a skip; audited. False if there was no such skip."""
    if not is_month(month):
        raise ScheduleError(month, None, "month", "expected YYYY-MM, e.g. 2027-07")
    with ctx.engine.begin() as conn:
        removed = store.remove_skip(conn, edition=month, schedule=schedule, target=target)
        if removed:
            record_in(
                conn,
                ctx.now(),
                actor=actor,
                action=AuditAction.SCHEDULE_CHANGED,
                target=month,
                detail=f"undo skip {schedule}/{target}",
            )
    return removed


def list_skips(ctx: Context, editions: Iterable[str] | None = None) -> list[SkipRow]:
    with ctx.engine.connect() as conn:
        return store.list_skips(conn, editions=None if editions is None else list(editions))


def skip_for(skips: Iterable[SkipRow], month: str, schedule: str, target: str) -> SkipRow | None:
    """The skip that covers this month's `target` of `schedule`, if any."""
    for row in skips:
        if row.edition == month and row.schedule in (ALL, schedule) and row.target in (ALL, target):
            return row
    return None
