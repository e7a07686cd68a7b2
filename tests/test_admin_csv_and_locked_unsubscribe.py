"""The unsubscribe link answers 503 with Retry-After, not 500, while the database is locked. (The
edition CSV's month check moved with the report: tests/test_send_page.py.)"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa

from mailer.core.models import ContactStatus
from mailer.pipeline import Context
from mailer.store.base import create_db_engine
from mailer.web.app import create_app
from tests.asgi_client import AsgiClient
from tests.reports_data import add_contact, status_of
from tests.test_unsubscribe import _token


def test_unsubscribe_while_the_database_is_locked_is_503_then_works(
    ctx: Context, tmp_path: Path
) -> None:
    path = tmp_path / "locked.db"
    url = f"sqlite:///{path}"
    create_db_engine(url).dispose()  # migrated
    # no busy wait: the lock is reported at once instead of after 30 s
    impatient = sa.create_engine(url, connect_args={"timeout": 0.05})
    with impatient.begin() as conn:
        contact = add_contact(conn, "locked.out@espoo.example")
    settings = ctx.settings.model_copy(update={"database_url": url})
    on_locked_db = Context(settings, impatient)
    token = _token(on_locked_db, contact)
    client = AsgiClient(create_app(settings, on_locked_db))
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database
        response = client.post(
            f"/u/{token}",
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 503
        assert response.headers["retry-after"]
        holder.execute("ROLLBACK")
        again = client.post(f"/u/{token}", content=b"List-Unsubscribe=One-Click")
        assert again.status_code == 200
        assert status_of(impatient, contact) == ContactStatus.UNSUBSCRIBED
    finally:
        holder.close()
        client.close()
        impatient.dispose()
