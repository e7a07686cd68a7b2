"""editions in the database: edition_revisions, and the revision an approval pins

The YAML file becomes an import/export format: every import or save is a numbered revision of the
month (the text as written, its sha256, who, when, what changed). An approval records the
revision it approved. Letter files are not imported here (a migration reads no files): run
`mailer edition import letters/*.yaml` once after upgrading, then approve again (the approval
hash now covers the revision instead of the file).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "edition_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edition_revisions")),
        sa.UniqueConstraint("month", "number", name="uq_edition_revisions_month_number"),
    )
    with op.batch_alter_table("edition_approvals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("edition_approvals", schema=None) as batch_op:
        batch_op.drop_column("revision")
    op.drop_table("edition_revisions")
