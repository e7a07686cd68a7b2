"""Tokens never resolve to another person: they sign a random per-contact key, set at creation and
destroyed by erasure, so an erased person's old links answer the bilingual 404 even when a
newcomer gets the same id (SQLite reuses the highest id after a delete). Links from before
token keys (signed ids) keep working only for the contacts of that time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from mailer.core.models import ContactStatus
from mailer.core.tokens import make_unsubscribe_token
from mailer.pipeline import Context
from mailer.pipeline.contacts import erase_contact
from mailer.pipeline.roster import import_rosters
from mailer.store.tables import contacts
from mailer.web.app import create_app
from tests.asgi_client import AsgiClient
from tests.reports_data import status_of
from tests.test_pipeline_roster import AINO, BO, CAY, contact_row, roster
from tests.test_unsubscribe import _token

ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def client(ctx: Context) -> Iterator[AsgiClient]:
    test_client = AsgiClient(create_app(ctx.settings, ctx))
    yield test_client
    test_client.close()


def _click(client: AsgiClient, token: str) -> int:
    response = client.post(f"/u/{token}", content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK)
    return response.status_code


def test_an_erased_contacts_old_link_never_acts_on_the_newcomer_with_its_id(
    ctx: Context, client: AsgiClient, tmp_path: Path
) -> None:
    import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, BO)])
    bo = contact_row(ctx, "bo@vasa.example")  # the newest contact
    old_link = _token(ctx, bo["id"])
    erase_contact(ctx, "bo@vasa.example")
    import_rosters(ctx, [roster(tmp_path, "b.csv", CAY)])
    cay = contact_row(ctx, "cay@oulu.example")
    if ctx.engine.dialect.name == "sqlite":
        assert cay["id"] == bo["id"]  # the id came back: exactly the attack
    response = client.get(f"/u/{old_link}")
    assert response.status_code == 404
    assert "Linkki ei ole voimassa" in response.text and "Länken är inte giltig" in response.text
    assert _click(client, old_link) == 404
    assert status_of(ctx.engine, cay["id"]) == ContactStatus.ACTIVE
    assert _click(client, _token(ctx, cay["id"])) == 200  # the newcomer's own link works


def test_every_contact_gets_its_own_random_key(ctx: Context, tmp_path: Path) -> None:
    import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, BO, CAY)])
    with ctx.engine.connect() as conn:
        keys = conn.execute(sa.select(contacts.c.token_key)).scalars().all()
    assert len(set(keys)) == 3 and all(k and len(k) == 22 for k in keys)


def test_a_signed_id_only_works_for_a_contact_from_before_token_keys(
    ctx: Context, client: AsgiClient, tmp_path: Path
) -> None:
    import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, BO)])
    aino, bo = contact_row(ctx, "aino@espoo.example"), contact_row(ctx, "bo@vasa.example")
    secret = ctx.settings.secret_key.get_secret_value()
    assert _click(client, make_unsubscribe_token(secret, bo["id"])) == 404  # a newer contact
    with ctx.engine.begin() as conn:
        conn.execute(
            sa.update(contacts).where(contacts.c.id == aino["id"]).values(legacy_id_token=True)
        )
    assert _click(client, make_unsubscribe_token(secret, aino["id"])) == 200
    assert status_of(ctx.engine, aino["id"]) == ContactStatus.UNSUBSCRIBED


def test_the_migration_gives_existing_contacts_random_keys_and_keeps_their_old_links(
    ctx: Context, tmp_path: Path
) -> None:
    from alembic import command

    from mailer.store.base import _alembic_config, migrate

    import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, BO, CAY)])
    command.downgrade(_alembic_config(ctx.engine), "0008")
    try:
        with ctx.engine.connect() as conn:
            assert "token_key" not in {c["name"] for c in sa.inspect(conn).get_columns("contacts")}
    finally:
        migrate(ctx.engine)
    with ctx.engine.connect() as conn:
        rows = conn.execute(sa.select(contacts.c.token_key, contacts.c.legacy_id_token)).all()
    assert len({key for key, _ in rows}) == 3
    assert all(key and len(key) == 22 and legacy for key, legacy in rows)
