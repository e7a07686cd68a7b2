"""appointments: organisations' registry addresses, appointment requests, appointees

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "organisation_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("org_type", sa.String(32), nullable=False),
        sa.Column("org_key", sa.String(300), nullable=False),
        sa.Column("organisation", sa.String(300), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_addresses")),
        sa.UniqueConstraint(
            "region", "org_type", "org_key", name=op.f("uq_organisation_addresses_org")
        ),
    )
    op.create_table(
        "appointment_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("round", sa.String(7), nullable=False),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("org_type", sa.String(32), nullable=False),
        sa.Column("org_key", sa.String(300), nullable=False),
        sa.Column("organisation", sa.String(300), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("message_id", sa.String(200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("queued_at", _WHEN, nullable=False),
        sa.Column("sending_at", _WHEN, nullable=True),
        sa.Column("accepted_at", _WHEN, nullable=True),
        sa.Column("failed_at", _WHEN, nullable=True),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_requests")),
        sa.UniqueConstraint("request_id", name=op.f("uq_appointment_requests_request_id")),
        sa.UniqueConstraint(
            "round",
            "region",
            "org_type",
            "org_key",
            name=op.f("uq_appointment_requests_round_org"),
        ),
    )
    op.create_table(
        "appointees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_pk", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(200), nullable=False),
        sa.Column("last_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("appointed_at", _WHEN, nullable=False),
        sa.Column("confirm_key", sa.String(64), nullable=False),
        sa.Column("confirmed_at", _WHEN, nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_pk"],
            ["appointment_requests.id"],
            name=op.f("fk_appointees_request_pk_appointment_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_appointees_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointees")),
        sa.UniqueConstraint("confirm_key", name=op.f("uq_appointees_confirm_key")),
        sa.UniqueConstraint("request_pk", "email", name=op.f("uq_appointees_request_email")),
    )
    op.create_index("ix_appointees_request_pk", "appointees", ["request_pk"])


def downgrade() -> None:
    op.drop_table("appointees")
    op.drop_table("appointment_requests")
    op.drop_table("organisation_addresses")
