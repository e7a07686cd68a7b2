"""Every table of the database, defined here and nowhere else (the query modules import them from
here, so none of them needs another query module at import time). Alembic migrations and the schema
test compare against `mailer.store.base.metadata`, which these definitions fill."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa

from mailer.core.models import ContactStatus, DeliveryState
from mailer.store.base import UTCDateTime, metadata

__all__ = [
    "IS_QUEUED",
    "IS_SENDING",
    "archived_letters",
    "audit_log",
    "contact_history",
    "contact_sources",
    "contacts",
    "deliveries",
    "edition_approvals",
    "edition_revisions",
    "editions",
    "erasures",
    "events",
    "inbound_messages",
    "login_failures",
    "new_token_key",
    "roster_imports",
    "schedule_runs",
    "scheduler_lock",
    "send_batches",
    "users",
    "web_sessions",
]


def new_token_key() -> str:
    """A contact's random token key (what its unsubscribe tokens sign): 128 bits, URL-safe."""
    return secrets.token_urlsafe(16)


# --- contact register -----------------------------------------------------------------------------

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # normalised: trimmed, lower-cased local part and domain; the merge key
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("first_name", sa.String(200), nullable=False),
    sa.Column("last_name", sa.String(200), nullable=False),
    sa.Column("organisation", sa.String(300), nullable=False),
    sa.Column("org_type", sa.String(20), nullable=False),
    sa.Column("municipality", sa.String(3), nullable=True),  # municipality code
    sa.Column("region", sa.String(8), nullable=False, index=True),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("title", sa.String(200), nullable=True),  # job title as the roster wrote it
    sa.Column(
        "status",
        sa.String(16),
        nullable=False,
        server_default=ContactStatus.ACTIVE.value,
        index=True,
    ),
    sa.Column("status_reason", sa.Text, nullable=True),
    sa.Column("status_changed_at", UTCDateTime, nullable=True),
    # consecutive editions with soft failures and no delivery (bounce policy)
    sa.Column("soft_streak", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_delivered_at", UTCDateTime, nullable=True),
    sa.Column("missing_since", UTCDateTime, nullable=True),  # absent from a newer roster
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # What unsubscribe tokens sign: random, set at creation (default), gone with the erased row,
    # never reused the way an id can be (core/tokens.py). Nullable only so that migration 0009
    # needs no table rebuild; every row has one.
    sa.Column("token_key", sa.String(32), nullable=True, default=new_token_key),
    # Links sent before token keys sign the id: honoured only for the contacts of that time.
    sa.Column("legacy_id_token", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_contacts_token_key", "token_key", unique=True),
)

roster_imports = sa.Table(
    "roster_imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.Column("files", sa.JSON, nullable=False),
    sa.Column("summary", sa.JSON, nullable=False),
)

# Provenance: where each contact was last seen, per source (a roster file name).
contact_sources = sa.Table(
    "contact_sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "contact_id", sa.Integer, sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("source", sa.String(300), nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("roster_imports.id"), nullable=True),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("contact_id", "source", name="uq_contact_sources_contact_source"),
)

# Status changes and notes (stale, unsubscribed, reactivated...): the history stays.
contact_history = sa.Table(
    "contact_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "contact_id",
        sa.Integer,
        sa.ForeignKey("contacts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,  # the policy and the reports read one contact's history per request
    ),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("old_status", sa.String(16), nullable=True),
    sa.Column("new_status", sa.String(16), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("actor", sa.String(200), nullable=True),
    sa.Column("source", sa.String(64), nullable=True),
)

# GDPR erasure leaves only anonymised counts.
erasures = sa.Table(
    "erasures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("erased_at", UTCDateTime, nullable=False),
    sa.Column("region", sa.String(8), nullable=True),
    sa.Column("deliveries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("events", sa.Integer, nullable=False, server_default="0"),
    # HMAC-SHA256 of the erased address under MAILER_SECRET_KEY: lets an import recognise the
    # person without keeping the address (NULL for erasures before migration 0010)
    sa.Column("address_hash", sa.String(64), nullable=True, index=True),
)

# Mail to the unsubscribe address (SendGrid Inbound Parse): every message is recorded, those
# without a valid token wait here for a coordinator (`mailer inbound list`).
inbound_messages = sa.Table(
    "inbound_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),  # InboundOutcome
    sa.Column("reason", sa.String(200), nullable=True),  # why it was kept
    sa.Column(
        "contact_id", sa.Integer, sa.ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("sender", sa.String(998), nullable=False),
    sa.Column("envelope_from", sa.String(998), nullable=False),
    sa.Column("recipient", sa.String(998), nullable=False),
    sa.Column("subject", sa.String(998), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("handled_at", UTCDateTime, nullable=True),
    sa.Column("handled_by", sa.String(200), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
)

# --- editions -------------------------------------------------------------------------------------

editions = sa.Table(
    "editions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("month", sa.String(7), nullable=False, unique=True),  # YYYY-MM
    sa.Column("sent_at", UTCDateTime, nullable=True),  # first complete send
    # the revision the first send with accepted deliveries used: what the public archive shows
    sa.Column("sent_revision", sa.Integer, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

edition_approvals = sa.Table(
    "edition_approvals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("month", sa.String(7), nullable=False, index=True),
    sa.Column("approved_by", sa.String(200), nullable=False),
    sa.Column("approved_at", UTCDateTime, nullable=False),
    # sha256 over the approved revision's text hash and every template: a change means approve
    # again (approvals from before 0004 hashed the letter file instead)
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("revision", sa.Integer, nullable=True),  # the approved edition_revisions.number
    # approved despite `edition check` problems that may be overridden: why, and which ones
    sa.Column("override_reason", sa.Text, nullable=True),
    sa.Column("overridden", sa.Text, nullable=True),  # one problem a line, as the check said it
)

# Every saved or imported version of an edition's content, numbered per month from 1; the latest
# is the edition. The text is the YAML as written (lossless export), `changes` the field paths that
# differ from the revision before (null for the first).
edition_revisions = sa.Table(
    "edition_revisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("text_hash", sa.String(64), nullable=False),  # sha256 of `text`
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("changes", sa.JSON, nullable=True),
    sa.Column("note", sa.Text, nullable=True),  # "imported from letters/2026-11.yaml", ...
    sa.UniqueConstraint("month", "number", name="uq_edition_revisions_month_number"),
)

# The stage-1 HTML (recipient tokens, no personal data) of each variant as the first send with
# accepted deliveries compiled it: the public archive shows exactly this, whatever the templates
# or the edition become later.
archived_letters = sa.Table(
    "archived_letters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("region", sa.String(8), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    sa.Column("stored_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("month", "region", "language", name="uq_archived_letters_variant"),
)

# --- delivery events ------------------------------------------------------------------------------

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # SendGrid's sg_event_id (or a stable synthetic id for suppression-list entries): stored once
    sa.Column("sg_event_id", sa.String(100), nullable=False, unique=True),
    sa.Column("event_type", sa.String(24), nullable=False, index=True),
    sa.Column("raw_type", sa.String(64), nullable=False),
    sa.Column("email", sa.String(320), nullable=True, index=True),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("source", sa.String(32), nullable=False),  # webhook / suppression:<list>
    sa.Column("sg_message_id", sa.String(200), nullable=True),
    sa.Column(
        "delivery_pk",
        sa.Integer,
        sa.ForeignKey("deliveries.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column(
        "contact_id",
        sa.Integer,
        sa.ForeignKey("contacts.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    # how the event was linked (store/event_links.LinkVia); only delivery_id and message_id
    # prove that SendGrid took a request (NULL: unlinked)
    sa.Column("linked_by", sa.String(16), nullable=True),
    sa.Column("edition", sa.String(7), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("status", sa.String(32), nullable=True),
    sa.Column("bounce_type", sa.String(32), nullable=True),
    sa.Column("classification", sa.String(64), nullable=True),
    sa.Column("counted", sa.Boolean, nullable=False, server_default=sa.false()),  # by policy
    sa.Column("raw", sa.JSON, nullable=False),
)

# --- the send ledger ------------------------------------------------------------------------------

send_batches = sa.Table(
    "send_batches",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),  # uuid
    sa.Column("edition", sa.String(7), nullable=False, index=True),
    sa.Column("variant", sa.String(8), nullable=False),  # e.g. hyks-fi
    sa.Column("state", sa.String(10), nullable=False),  # queued/sending/accepted/failed
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("claimed_by", sa.String(100), nullable=True),
    sa.Column("message_id", sa.String(100), nullable=True),  # X-Message-Id
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sending_at", UTCDateTime, nullable=True),
    sa.Column("finished_at", UTCDateTime, nullable=True),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # our delivery id: travels in SendGrid custom_args and comes back in every event
    sa.Column("delivery_id", sa.String(36), nullable=False, unique=True),
    sa.Column("edition", sa.String(7), nullable=False),
    # SET NULL: an erased contact leaves an anonymised ledger row behind
    sa.Column(
        "contact_id", sa.Integer, sa.ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("region", sa.String(8), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("batch_id", sa.String(36), sa.ForeignKey("send_batches.id"), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("message_id", sa.String(100), nullable=True),
    sa.Column("queued_at", UTCDateTime, nullable=False),
    sa.Column("sending_at", UTCDateTime, nullable=True),
    sa.Column("accepted_at", UTCDateTime, nullable=True),
    sa.Column("failed_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("edition", "contact_id", name="uq_deliveries_edition_contact"),
)

# Partial indexes (SQLite and PostgreSQL both have them): a row sits in each only while it is
# in that state, so a row's trip queued -> sending -> accepted moves it through two small
# indexes instead of re-sorting full-table ones on every state change. At a million rows that
# cut the time of claiming and finishing batches by a third. Queries that should use one repeat
# its condition literally (IS_QUEUED, IS_SENDING): a bound `state = $1` cannot prove it in the
# generic plan PostgreSQL may settle on for a statement psycopg has prepared.
IS_QUEUED = deliveries.c.state == sa.literal_column(f"'{DeliveryState.QUEUED.value}'")
IS_SENDING = deliveries.c.state == sa.literal_column(f"'{DeliveryState.SENDING.value}'")


def _partial_index(name: str, where: Any, *columns: sa.Column[Any]) -> sa.Index:
    return sa.Index(name, *columns, sqlite_where=where, postgresql_where=where)


_d = deliveries.c
# The claim walks this in order: one variant's queued rows, lowest id first.
_partial_index("ix_deliveries_queued", IS_QUEUED, _d.edition, _d.region, _d.language, _d.id)
# Batches still on the wire (or left there by a crash): the ambiguity rule's starting point.
_partial_index("ix_deliveries_sending", IS_SENDING, _d.edition, _d.batch_id)
# A batch's rows; rows never claimed have no batch and need no entry.
_partial_index("ix_deliveries_batch_id", _d.batch_id.is_not(None), _d.batch_id)

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
