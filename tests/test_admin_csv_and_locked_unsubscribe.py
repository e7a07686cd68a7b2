"""The edition CSV download takes only a real month (its name goes into Content-Disposition), and
the unsubscribe link answers 503 with Retry-After, not 500, while the database is locked."""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from mailer.core.models import ContactStatus
from mailer.pipeline import Context
from mailer.store.base import create_db_engine
from mailer.web.app import create_app
from tests.asgi_client import AsgiClient
from tests.reports_data import add_contact, status_of
from tests.test_unsubscribe import _token

PASSWORD = "Kuukausikirje-2026!"
GOOD = {"Authorization": "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()}


@pytest.fixture
def admin(ctx: Context) -> Iterator[AsgiClient]:
    settings = ctx.settings.model_copy(update={"admin_password": SecretStr(PASSWORD)})
    client = AsgiClient(create_app(settings, Context(settings, ctx.engine)))
    yield client
    client.close()


@pytest.mark.parametrize(
    "month",
    [
        'x"; filename=evil.html',
        "2026-11%0A",
        "%D9%A2%D9%A0%D9%A2%D9%A6-11",  # Arabic-Indic digits
        "2026-13",
    ],
)
def test_the_edition_csv_refuses_anything_but_a_month(admin: AsgiClient, month: str) -> None:
    response = admin.get(f"/admin/editions/{month}.csv", headers=GOOD)
    assert response.status_code == 404
    assert "content-disposition" not in response.headers
    assert admin.get(f"/admin/editions/{month}", headers=GOOD).status_code == 404


def test_the_edition_csv_of_a_month_is_named_after_it(admin: AsgiClient) -> None:
    response = admin.get("/admin/editions/2026-11.csv", headers=GOOD)
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="edition-2026-11.csv"'


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
