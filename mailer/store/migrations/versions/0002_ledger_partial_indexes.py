"""ledger: partial indexes per state instead of full-table state indexes

A delivery row changes state twice on its way out (queued -> sending -> accepted); with
full-table indexes on the state every change re-sorted two index entries among a million. The
partial indexes hold a row only while it is queued (the claim's walk), only while it is sending
(the ambiguity rule), and only once it has a batch.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

QUEUED = sa.text("state = 'queued'")
SENDING = sa.text("state = 'sending'")
HAS_BATCH = sa.text("batch_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_deliveries_state", table_name="deliveries")
    op.drop_index("ix_deliveries_edition_state", table_name="deliveries")
    op.drop_index("ix_deliveries_batch_id", table_name="deliveries")
    op.create_index(
        "ix_deliveries_queued",
        "deliveries",
        ["edition", "region", "language", "id"],
        sqlite_where=QUEUED,
        postgresql_where=QUEUED,
    )
    op.create_index(
        "ix_deliveries_sending",
        "deliveries",
        ["edition", "batch_id"],
        sqlite_where=SENDING,
        postgresql_where=SENDING,
    )
    op.create_index(
        "ix_deliveries_batch_id",
        "deliveries",
        ["batch_id"],
        sqlite_where=HAS_BATCH,
        postgresql_where=HAS_BATCH,
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_batch_id", table_name="deliveries")
    op.drop_index("ix_deliveries_sending", table_name="deliveries")
    op.drop_index("ix_deliveries_queued", table_name="deliveries")
    op.create_index("ix_deliveries_batch_id", "deliveries", ["batch_id"])
    op.create_index(
        "ix_deliveries_edition_state",
        "deliveries",
        ["edition", "state", "region", "language", "id"],
    )
    op.create_index("ix_deliveries_state", "deliveries", ["state"])
