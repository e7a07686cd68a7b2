"""roster_uploads (workspace roster uploads between preview and commit); indexes for the
workspace register's order and for the audit entries about one contact

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_uploads",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("account", sa.String(254), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_uploads")),
    )
    op.create_index(
        op.f("ix_roster_uploads_expires_at"), "roster_uploads", ["expires_at"], unique=False
    )
    op.create_index(
        "ix_contacts_register_order",
        "contacts",
        ["region", "organisation", "last_name", "id"],
        unique=False,
    )
    op.create_index("ix_audit_log_target", "audit_log", ["target"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_log_target", table_name="audit_log")
    op.drop_index("ix_contacts_register_order", table_name="contacts")
    op.drop_index(op.f("ix_roster_uploads_expires_at"), table_name="roster_uploads")
    op.drop_table("roster_uploads")
