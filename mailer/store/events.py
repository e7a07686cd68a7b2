"""Delivery events as received (webhook or suppression sync), each stored once."""

from __future__ import annotations

import sqlalchemy as sa

from mailer.store.base import UTCDateTime, metadata

__all__ = ["events"]

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
    sa.Column("edition", sa.String(7), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("status", sa.String(32), nullable=True),
    sa.Column("bounce_type", sa.String(32), nullable=True),
    sa.Column("classification", sa.String(64), nullable=True),
    sa.Column("counted", sa.Boolean, nullable=False, server_default=sa.false()),  # by policy
    sa.Column("raw", sa.JSON, nullable=False),
)
