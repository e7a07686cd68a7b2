"""Appointments: organisations' own addresses (from the rosters), the requests asking an
organisation without a working VIPU contact to appoint one, and the people it appointed."""

from __future__ import annotations

import sqlalchemy as sa

from mailer.store.base import UTCDateTime, metadata

__all__ = ["appointees", "appointment_requests", "organisation_addresses"]

# One address per organisation (its registry office, "kirjaamo"); the organisation is keyed as
# core/register/organisations.organisation_key keys it, so a municipality is one whatever its
# rosters call it.
organisation_addresses = sa.Table(
    "organisation_addresses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("region", sa.String(8), nullable=False),
    sa.Column("org_type", sa.String(32), nullable=False),
    sa.Column("org_key", sa.String(300), nullable=False),
    sa.Column("organisation", sa.String(300), nullable=False),  # as the roster wrote it
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("source", sa.String(300), nullable=False),  # roster file:line
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("region", "org_type", "org_key", name="uq_organisation_addresses_org"),
)

# The exactly-once ledger of appointment requests: one row per organisation and round (month),
# claimed queued -> sending -> accepted | failed like the letter ledger's rows, so running the
# command twice, or two processes at once, asks each organisation once.
appointment_requests = sa.Table(
    "appointment_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("request_id", sa.String(36), nullable=False, unique=True),  # uuid, in the token
    sa.Column("round", sa.String(7), nullable=False),  # YYYY-MM
    sa.Column("region", sa.String(8), nullable=False),
    sa.Column("org_type", sa.String(32), nullable=False),
    sa.Column("org_key", sa.String(300), nullable=False),
    sa.Column("organisation", sa.String(300), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # DeliveryState
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("message_id", sa.String(200), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("queued_at", UTCDateTime, nullable=False),
    sa.Column("sending_at", UTCDateTime, nullable=True),
    sa.Column("accepted_at", UTCDateTime, nullable=True),
    sa.Column("failed_at", UTCDateTime, nullable=True),
    sa.Column("expires_at", UTCDateTime, nullable=False),  # the link's end
    sa.UniqueConstraint(
        "round", "region", "org_type", "org_key", name="uq_appointment_requests_round_org"
    ),
)

# A person an organisation appointed through the link: confirmed by opening the link mailed to
# them, then a PENDING contact until a coordinator approves.
appointees = sa.Table(
    "appointees",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "request_pk",
        sa.Integer,
        sa.ForeignKey("appointment_requests.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("first_name", sa.String(200), nullable=False),
    sa.Column("last_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("appointed_at", UTCDateTime, nullable=False),
    # random; the confirmation token signs it (never the sequential id)
    sa.Column("confirm_key", sa.String(64), nullable=False, unique=True),
    sa.Column("confirmed_at", UTCDateTime, nullable=True),
    sa.Column(
        "contact_id", sa.Integer, sa.ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True
    ),
    sa.UniqueConstraint("request_pk", "email", name="uq_appointees_request_email"),
)
