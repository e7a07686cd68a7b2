"""edition approvals: the approver's note, a one-person approval, and its withdrawal

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("edition_approvals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("single_person", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("unapproved_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("unapproved_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("edition_approvals", schema=None) as batch_op:
        batch_op.drop_column("unapproved_at")
        batch_op.drop_column("unapproved_by")
        batch_op.drop_column("single_person")
        batch_op.drop_column("note")
