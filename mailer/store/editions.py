"""Edition approval records: who approved which content, when, under which hash."""

from __future__ import annotations

import sqlalchemy as sa

from mailer.store.base import UTCDateTime, metadata

__all__ = ["edition_approvals", "editions"]

editions = sa.Table(
    "editions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("month", sa.String(7), nullable=False, unique=True),  # YYYY-MM
    sa.Column("sent_at", UTCDateTime, nullable=True),  # first complete send
    sa.Column("created_at", UTCDateTime, nullable=False),
)

edition_approvals = sa.Table(
    "edition_approvals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("month", sa.String(7), nullable=False, index=True),
    sa.Column("approved_by", sa.String(200), nullable=False),
    sa.Column("approved_at", UTCDateTime, nullable=False),
    # sha256 over the content file and every template: a change means approve again
    sa.Column("content_hash", sa.String(64), nullable=False),
)
