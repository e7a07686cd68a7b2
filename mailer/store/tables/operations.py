"""Running the service: the scheduler lock and runs, workspace accounts, sessions, the audit log
and login throttling."""

from __future__ import annotations

import sqlalchemy as sa

from mailer.store.base import UTCDateTime, metadata

__all__ = [
    "audit_log",
    "login_failures",
    "schedule_runs",
    "schedule_skips",
    "scheduler_lock",
    "users",
    "web_sessions",
]

# --- the scheduler --------------------------------------------------------------------------------

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

# A month a coordinator chose not to send (issue 14): the scheduler's send and reminder fires for
# it record `skipped` instead of acting. `schedule` and `target` are "*" for every schedule or
# target (not NULL, so the unique constraint holds on both backends).
schedule_skips = sa.Table(
    "schedule_skips",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("edition", sa.String(7), nullable=False),
    sa.Column("schedule", sa.String(100), nullable=False),
    sa.Column("target", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("skipped_by", sa.String(254), nullable=False),
    sa.Column("skipped_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("edition", "schedule", "target", name="uq_schedule_skips_edition_target"),
)

# --- workspace accounts ---------------------------------------------------------------------------

# Issue 14. Users are never deleted, only disabled: the audit log keeps naming them.
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),  # normalised, lower case
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),  # core.accounts.UserRole
    sa.Column("ui_language", sa.String(2), nullable=False),  # core.accounts.UiLanguage
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),  # Argon2id, PHC string
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("password_changed_at", UTCDateTime, nullable=False),
)

# Server-side sessions: the cookie holds a random token, the row only its SHA-256 (a copy of
# the database does not let anyone in). Any `mailer serve` process behind the proxy finds it.
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # sha256 hex of the cookie's token
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Index("ix_web_sessions_user_id", "user_id"),
)

# Who did what and when. `actor` is the account's email, or `cli:<os user>` for the command
# line; never a foreign key, so the entry outlives whatever it names.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(254), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),  # core.accounts.AuditAction
    sa.Column("target", sa.String(254), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Index("ix_audit_log_at", "at"),
    # a contact's page lists the entries about it (`contact:<id>`)
    sa.Index("ix_audit_log_target", "target"),
)

# --- login throttling ---------------------------------------------------------------------------

# Failed-login counters shared by every `mailer serve` process (mailer/store/throttle.py).
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("scope", sa.String(40), primary_key=True),
    sa.Column("key_digest", sa.String(64), primary_key=True),  # SHA-256 of the client key
    sa.Column("failures", sa.Integer, nullable=False),
    # the failures count from here; a failure after `window_start + window` starts a new window
    sa.Column("window_start", UTCDateTime, nullable=False),
)
