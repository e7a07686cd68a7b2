"""events.linked_by: how each event was linked to the ledger

Only an event linked by our delivery id or by the batch's X-Message-Id proves that SendGrid took
a request; one linked by address alone must never resolve an ambiguous batch. Existing events
are classified from what they carry: the linked delivery's id in the stored raw event, else a
message id matching the delivery's or its batch's, else (linked at all) the address.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("linked_by", sa.String(length=16), nullable=True))
    by_delivery_id = (
        "UPDATE events SET linked_by = 'delivery_id' WHERE delivery_pk IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM deliveries d WHERE d.id = events.delivery_pk AND d.delivery_id = "
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(by_delivery_id + "(events.raw ->> 'delivery_id'))")
    else:
        op.execute(by_delivery_id + "json_extract(events.raw, '$.delivery_id'))")
    op.execute(
        "UPDATE events SET linked_by = 'message_id' WHERE linked_by IS NULL "
        "AND delivery_pk IS NOT NULL AND sg_message_id IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM deliveries d LEFT JOIN send_batches b ON b.id = d.batch_id "
        "WHERE d.id = events.delivery_pk AND ("
        "(d.message_id IS NOT NULL AND events.sg_message_id LIKE d.message_id || '%') OR "
        "(b.message_id IS NOT NULL AND events.sg_message_id LIKE b.message_id || '%')))"
    )
    op.execute(
        "UPDATE events SET linked_by = 'address' WHERE linked_by IS NULL "
        "AND (delivery_pk IS NOT NULL OR contact_id IS NOT NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("linked_by")
