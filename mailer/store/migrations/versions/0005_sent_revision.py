"""editions.sent_revision: the revision a send delivered (what the public archive shows)

Recorded by the first send run that had accepted deliveries, and never changed afterwards, so a
revision imported after the send cannot change the archive. Editions sent (or partly sent) before
this migration get the revision of their latest approval (the one that send had to match).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_revision", sa.Integer(), nullable=True))
    editions = sa.table(
        "editions",
        sa.column("month", sa.String),
        sa.column("sent_at", sa.DateTime),
        sa.column("sent_revision", sa.Integer),
    )
    approvals = sa.table(
        "edition_approvals",
        sa.column("id", sa.Integer),
        sa.column("month", sa.String),
        sa.column("approved_at", sa.DateTime),
        sa.column("revision", sa.Integer),
    )
    deliveries = sa.table(
        "deliveries", sa.column("edition", sa.String), sa.column("state", sa.String)
    )
    accepted = sa.exists().where(
        deliveries.c.edition == editions.c.month, deliveries.c.state == "accepted"
    )
    latest = (
        sa.select(approvals.c.revision)
        .where(approvals.c.month == editions.c.month)
        .order_by(approvals.c.approved_at.desc(), approvals.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    op.execute(
        sa.update(editions)
        .where(sa.or_(editions.c.sent_at.is_not(None), accepted))
        .values(sent_revision=latest)
    )


def downgrade() -> None:
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.drop_column("sent_revision")
