"""schedule_skips: months a coordinator chose not to send (the scheduler honours them)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedule_skips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition", sa.String(7), nullable=False),
        sa.Column("schedule", sa.String(100), nullable=False),
        sa.Column("target", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("skipped_by", sa.String(254), nullable=False),
        sa.Column("skipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_skips")),
        sa.UniqueConstraint(
            "edition", "schedule", "target", name="uq_schedule_skips_edition_target"
        ),
    )


def downgrade() -> None:
    op.drop_table("schedule_skips")
