"""contacts: the job title a roster's role column held (role `other` when no word is known);
erasures: a keyed hash of the erased address, so an import can recognise the person

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both backends (SQLite >= 3.35 drops columns): a batch rebuild of
# `contacts` on SQLite would drop and recreate the table the ledger's rows refer to.
def upgrade() -> None:
    op.add_column("contacts", sa.Column("title", sa.String(200), nullable=True))
    op.add_column("erasures", sa.Column("address_hash", sa.String(64), nullable=True))
    op.create_index("ix_erasures_address_hash", "erasures", ["address_hash"])


def downgrade() -> None:
    op.drop_index("ix_erasures_address_hash", table_name="erasures")
    op.drop_column("erasures", "address_hash")
    op.drop_column("contacts", "title")
