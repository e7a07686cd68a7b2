"""Editions: their revisions, approvals, and the letters the first send archived."""

from __future__ import annotations

import sqlalchemy as sa

from mailer.store.base import UTCDateTime, metadata

__all__ = [
    "archived_letters",
    "edition_approvals",
    "edition_revisions",
    "editions",
]

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
    sa.Column("note", sa.Text, nullable=True),  # the approver's note (the workspace asks for one)
    # the approver also saved the approved revision, allowed by MAILER_APPROVAL_SINGLE_PERSON
    sa.Column("single_person", sa.Boolean, nullable=False, server_default=sa.false()),
    # withdrawn ("unapprove"): who and when; the edition is a draft again
    sa.Column("unapproved_by", sa.String(200), nullable=True),
    sa.Column("unapproved_at", UTCDateTime, nullable=True),
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

# Images uploaded for the letters (`/media`): re-encoded without metadata by
# `pipeline.images.prepare_image` and named by the SHA-256 of the stored bytes, so an image uploaded
# twice is stored once and its URL (`/media/<id>.<extension>`) never changes what it shows.
media = sa.Table(
    "media",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of `data`, hex
    sa.Column("extension", sa.String(4), nullable=False),  # jpg | png
    sa.Column("content_type", sa.String(20), nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("filename", sa.String(300), nullable=False),  # as uploaded, for the library
    sa.Column("uploaded_by", sa.String(254), nullable=False),
    sa.Column("uploaded_at", UTCDateTime, nullable=False, index=True),
)
