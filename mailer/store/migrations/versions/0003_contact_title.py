"""contacts: the job title a roster's role column held (role `other` when no word is known)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both backends (SQLite >= 3.35 drops columns): a batch rebuild of
# `contacts` on SQLite would drop and recreate the table the ledger's rows refer to.
def upgrade() -> None:
    op.add_column("contacts", sa.Column("title", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("contacts", "title")
