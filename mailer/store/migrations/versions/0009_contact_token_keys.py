"""contacts.token_key: unsubscribe tokens sign a random per-contact value, not the id

The id of an erased contact could be given to the next newcomer (SQLite reuses the highest id
after a delete), and the erased person's old links then acted on the newcomer. Every existing
contact gets a random key; `legacy_id_token` marks them, so the links already in mailboxes (which
sign the id) keep working for exactly these contacts and never for a later one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # add_column only (no table rebuild): rebuilding `contacts` on SQLite would drop the table
    # its foreign keys point at
    op.add_column("contacts", sa.Column("token_key", sa.String(length=32), nullable=True))
    op.add_column(
        "contacts",
        sa.Column("legacy_id_token", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM contacts"))]
    if ids:
        conn.execute(
            sa.text("UPDATE contacts SET token_key = :key, legacy_id_token = :yes WHERE id = :id"),
            [{"key": secrets.token_urlsafe(16), "yes": True, "id": cid} for cid in ids],
        )
    op.create_index("ix_contacts_token_key", "contacts", ["token_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_contacts_token_key", table_name="contacts")
    # plain DROP COLUMN (SQLite 3.35+, PostgreSQL): no rebuild of the table others point at
    op.execute("ALTER TABLE contacts DROP COLUMN legacy_id_token")
    op.execute("ALTER TABLE contacts DROP COLUMN token_key")
