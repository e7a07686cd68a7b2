"""archived_letters: each variant's stage-1 HTML as the first send compiled it

The public archive shows this copy, so neither a newer revision nor a template change alters a
letter that went out. Editions sent before this migration have no copy and are rendered from their
sent revision (editions.sent_revision, 0005) as before.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archived_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archived_letters")),
        sa.UniqueConstraint("month", "region", "language", name="uq_archived_letters_variant"),
    )


def downgrade() -> None:
    op.drop_table("archived_letters")
