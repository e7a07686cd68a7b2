"""edition approvals: the reason and the problems of an approval that overrode `edition check`

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("edition_approvals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("overridden", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("edition_approvals", schema=None) as batch_op:
        batch_op.drop_column("overridden")
        batch_op.drop_column("override_reason")
