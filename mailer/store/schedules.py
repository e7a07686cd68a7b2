"""Scheduler bookkeeping: the single-active-scheduler lock and a record of every fire."""

from __future__ import annotations

import sqlalchemy as sa

from mailer.store.base import UTCDateTime, metadata

__all__ = ["schedule_runs", "scheduler_lock"]

scheduler_lock = sa.Table(
    "scheduler_lock",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("heartbeat_at", UTCDateTime, nullable=False),
)

# One row per (job, planned fire time, kind): makes sends and reminders idempotent across restarts.
schedule_runs = sa.Table(
    "schedule_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("job_id", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # send / reminder / missed / notice
    sa.Column("scheduled_for", UTCDateTime, nullable=False),
    sa.Column("edition", sa.String(7), nullable=False),
    sa.Column("outcome", sa.String(30), nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("ran_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("job_id", "kind", "scheduled_for", name="uq_schedule_runs_job_kind_time"),
)
