"""The contact register: contacts, their roster provenance and history, erasures, mail to the
unsubscribe address."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from mailer.core.models import ContactStatus
from mailer.store.base import UTCDateTime, metadata

__all__ = [
    "contact_history",
    "contact_sources",
    "contacts",
    "erasures",
    "inbound_messages",
    "new_token_key",
    "roster_imports",
    "roster_uploads",
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
    # the workspace register's order: a page is read from the index, not sorted (10,000 rows)
    sa.Index("ix_contacts_register_order", "region", "organisation", "last_name", "id"),
)

roster_imports = sa.Table(
    "roster_imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.Column("files", sa.JSON, nullable=False),
    sa.Column("summary", sa.JSON, nullable=False),
)

# A roster uploaded in the workspace, kept between its preview and its commit: the processes
# behind the proxy share it, and it is bound to the account that uploaded it. Removed on commit,
# on discard, and when expired (by the next upload).
roster_uploads = sa.Table(
    "roster_uploads",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # random, URL-safe
    sa.Column("account", sa.String(254), nullable=False),
    sa.Column("filename", sa.String(300), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
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
