"""Scheduler bookkeeping: the single-active-scheduler lock (with a heartbeat) and a record of
every fire, whose unique (job, kind, time) makes sends, reminders and notices idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping

from mailer.core.models import ScheduleRunOutcome
from mailer.store.tables import schedule_runs, schedule_skips, scheduler_lock

__all__ = [
    "SkipRow",
    "acquire_lock",
    "add_skip",
    "claim_run",
    "finish_run",
    "heartbeat",
    "list_runs",
    "list_skips",
    "lock_holder",
    "release_lock",
    "remove_skip",
    "send_outcomes",
]

# --- the single-active-scheduler lock ------------------------------------------------------------


def _insert(conn: Connection, table: sa.Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def acquire_lock(
    conn: Connection, name: str, holder: str, *, now: datetime, stale_after: timedelta
) -> bool:
    """Take the lock if it is free, already ours, or its holder stopped beating for `stale_after`
    (a crashed scheduler must not block the database forever). True if we hold it now."""
    stmt = _insert(conn, scheduler_lock).values(name=name, holder=holder, heartbeat_at=now)
    if conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"])).rowcount == 1:
        return True
    taken = conn.execute(
        sa.update(scheduler_lock)
        .where(
            scheduler_lock.c.name == name,
            sa.or_(
                scheduler_lock.c.holder == holder,
                scheduler_lock.c.heartbeat_at < now - stale_after,
            ),
        )
        .values(holder=holder, heartbeat_at=now)
    )
    return taken.rowcount == 1


def heartbeat(conn: Connection, name: str, holder: str, *, now: datetime) -> bool:
    """Renew the lock; False if someone else took it over (we must stop scheduling)."""
    result = conn.execute(
        sa.update(scheduler_lock)
        .where(scheduler_lock.c.name == name, scheduler_lock.c.holder == holder)
        .values(heartbeat_at=now)
    )
    return result.rowcount == 1


def release_lock(conn: Connection, name: str, holder: str) -> bool:
    result = conn.execute(
        sa.delete(scheduler_lock).where(
            scheduler_lock.c.name == name, scheduler_lock.c.holder == holder
        )
    )
    return result.rowcount == 1


def lock_holder(conn: Connection, name: str) -> tuple[str, datetime] | None:
    row = conn.execute(
        sa.select(scheduler_lock.c.holder, scheduler_lock.c.heartbeat_at).where(
            scheduler_lock.c.name == name
        )
    ).first()
    return (row.holder, row.heartbeat_at) if row else None


# --- schedule runs -------------------------------------------------------------------------------


def claim_run(
    conn: Connection,
    *,
    job_id: str,
    kind: str,
    scheduled_for: datetime,
    edition: str,
    ran_at: datetime,
    outcome: ScheduleRunOutcome = ScheduleRunOutcome.STARTED,
    detail: str | None = None,
) -> int | None:
    """Record a fire before acting on it; None if this (job, kind, time) was recorded already, so
    a duplicate fire (a restart, a second process) does nothing."""
    stmt = (
        _insert(conn, schedule_runs)
        .values(
            job_id=job_id,
            kind=kind,
            scheduled_for=scheduled_for,
            edition=edition,
            outcome=outcome,
            detail=detail,
            ran_at=ran_at,
        )
        .on_conflict_do_nothing(index_elements=["job_id", "kind", "scheduled_for"])
        .returning(schedule_runs.c.id)
    )
    run_id = conn.execute(stmt).scalar()
    return int(run_id) if run_id is not None else None


def finish_run(
    conn: Connection, run_id: int, outcome: ScheduleRunOutcome, detail: str | None = None
) -> None:
    conn.execute(
        sa.update(schedule_runs)
        .where(schedule_runs.c.id == run_id)
        .values(outcome=outcome, detail=detail)
    )


def send_outcomes(conn: Connection, job_id: str, edition: str) -> set[ScheduleRunOutcome]:
    """Outcomes of this job's earlier send fires for the edition: "sent" stops the retries,
    "held" means the coordinators were told already."""
    stmt = (
        sa.select(schedule_runs.c.outcome)
        .distinct()
        .where(
            schedule_runs.c.job_id == job_id,
            schedule_runs.c.kind == "send",
            schedule_runs.c.edition == edition,
        )
    )
    return {ScheduleRunOutcome(outcome) for outcome in conn.execute(stmt).scalars()}


def list_runs(conn: Connection, *, job_id: str | None = None, limit: int = 100) -> list[RowMapping]:
    stmt = sa.select(schedule_runs).order_by(
        schedule_runs.c.scheduled_for.desc(), schedule_runs.c.id.desc()
    )
    if job_id is not None:
        stmt = stmt.where(schedule_runs.c.job_id == job_id)
    return list(conn.execute(stmt.limit(limit)).mappings())


# --- skipped months ------------------------------------------------------------------------------


class SkipRow(NamedTuple):
    edition: str
    schedule: str  # "*": every schedule
    target: str  # "*": every target of the schedule
    reason: str
    skipped_by: str
    skipped_at: datetime


def add_skip(
    conn: Connection,
    *,
    edition: str,
    schedule: str,
    target: str,
    reason: str,
    skipped_by: str,
    at: datetime,
) -> bool:
    """Record a skip; False if that (edition, schedule, target) was skipped already."""
    stmt = (
        _insert(conn, schedule_skips)
        .values(
            edition=edition,
            schedule=schedule,
            target=target,
            reason=reason,
            skipped_by=skipped_by,
            skipped_at=at,
        )
        .on_conflict_do_nothing(index_elements=["edition", "schedule", "target"])
        .returning(schedule_skips.c.id)
    )
    # RETURNING, not rowcount: psycopg reports no count for an INSERT ... ON CONFLICT here
    return conn.execute(stmt).scalar() is not None


def remove_skip(conn: Connection, *, edition: str, schedule: str, target: str) -> bool:
    result = conn.execute(
        sa.delete(schedule_skips).where(
            schedule_skips.c.edition == edition,
            schedule_skips.c.schedule == schedule,
            schedule_skips.c.target == target,
        )
    )
    return result.rowcount == 1


def list_skips(conn: Connection, *, editions: list[str] | None = None) -> list[SkipRow]:
    """Skips of `editions` (all when None), oldest month first."""
    stmt = sa.select(
        schedule_skips.c.edition,
        schedule_skips.c.schedule,
        schedule_skips.c.target,
        schedule_skips.c.reason,
        schedule_skips.c.skipped_by,
        schedule_skips.c.skipped_at,
    ).order_by(schedule_skips.c.edition, schedule_skips.c.schedule, schedule_skips.c.target)
    if editions is not None:
        stmt = stmt.where(schedule_skips.c.edition.in_(editions))
    return [SkipRow(*row) for row in conn.execute(stmt)]
