"""The send ledger: one row per (edition, contact), and the batches that carry them."""

from __future__ import annotations

import sqlalchemy as sa

from mailer.store.base import UTCDateTime, metadata

__all__ = ["deliveries", "send_batches"]

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
    sa.Column("state", sa.String(10), nullable=False, index=True),
    sa.Column(
        "batch_id", sa.String(36), sa.ForeignKey("send_batches.id"), nullable=True, index=True
    ),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("message_id", sa.String(100), nullable=True),
    sa.Column("queued_at", UTCDateTime, nullable=False),
    sa.Column("sending_at", UTCDateTime, nullable=True),
    sa.Column("accepted_at", UTCDateTime, nullable=True),
    sa.Column("failed_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("edition", "contact_id", name="uq_deliveries_edition_contact"),
    sa.Index("ix_deliveries_edition_state", "edition", "state"),
)
