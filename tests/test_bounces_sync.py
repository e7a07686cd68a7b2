"""`mailer bounces sync` against the fake SendGrid's suppression lists, with paging."""

from __future__ import annotations

import http.client
import json
import logging
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from mailer.cli import app as cli_app
from mailer.config import Settings
from mailer.core.errors import ConfigError, ProviderAuthError, TransientProviderError
from mailer.pipeline import Context
from mailer.pipeline.events import sync_suppressions
from mailer.providers.sendgrid.client import HTTP_LOGGER
from mailer.providers.sendgrid.suppressions import SuppressionLists
from mailer.store.tables import contacts, events
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.fakes.webhook_client import NOW, seed_contact, seed_delivery, ts

CREATED = ts(NOW)


@pytest.fixture
def sync_ctx(settings: Settings, engine: Engine, fake_sendgrid: FakeSendGrid) -> Context:
    update = {
        "sendgrid_host": fake_sendgrid.url,
        "sendgrid_api_key": SecretStr(fake_sendgrid.api_key),
    }
    return Context(settings.model_copy(update=update), engine)


def _statuses(engine: Engine) -> dict[str, tuple[str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(contacts.c.email, contacts.c.status, contacts.c.soft_streak))
        return {email: (status, streak) for email, status, streak in rows}


def _events(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(events).order_by(events.c.sg_event_id)))


def _seed(engine: Engine, fake: FakeSendGrid) -> None:
    people = {
        "bounces": "anna.virtanen@espoo.example",
        "blocks": "bo.nyman@raasepori.example",
        "invalid_emails": "carita.lahti@lahti.example",
        "spam_reports": "daniel.ek@vaasa.example",
    }
    with engine.begin() as conn:
        for email in [*people.values(), "eeva.koski@kuopio.example"]:
            seed_delivery(conn, seed_contact(conn, email), "2026-06")
    for name, email in people.items():
        fake.add_suppression(name, email, created=CREATED)
    fake.add_suppression("bounces", "nobody@gone.example", created=CREATED - 86400)


def test_sync_applies_the_policy_to_every_suppression_list(
    sync_ctx: Context, engine: Engine, fake_sendgrid: FakeSendGrid
) -> None:
    _seed(engine, fake_sendgrid)
    report = sync_suppressions(sync_ctx)
    assert report.lists == {"bounces": 2, "blocks": 1, "invalid_emails": 1, "spam_reports": 1}
    assert _statuses(engine) == {
        "anna.virtanen@espoo.example": ("stale", 0),  # on the bounces list: hard
        "bo.nyman@raasepori.example": ("active", 1),  # blocked: one soft edition
        "carita.lahti@lahti.example": ("stale", 0),  # invalid address
        "daniel.ek@vaasa.example": ("unsubscribed", 0),  # spam report
        "eeva.koski@kuopio.example": ("active", 0),
    }
    assert (report.ingest.stored, report.ingest.unlinked, report.ingest.status_changes) == (5, 1, 3)
    stored = {row.sg_event_id: row for row in _events(engine)}
    anna = stored[f"sync:bounces:anna.virtanen@espoo.example:{CREATED}"]
    assert (anna.event_type, anna.status, anna.source) == ("bounce", "5.1.1", "suppression:bounces")
    assert anna.raw["entry"]["reason"].startswith("550 5.1.1")


def test_sync_is_safe_to_re_run(
    sync_ctx: Context, engine: Engine, fake_sendgrid: FakeSendGrid
) -> None:
    _seed(engine, fake_sendgrid)
    sync_suppressions(sync_ctx)
    before, statuses = _events(engine), _statuses(engine)
    again = sync_suppressions(sync_ctx)
    assert (again.ingest.stored, again.ingest.duplicates, again.ingest.status_changes) == (0, 5, 0)
    assert _events(engine) == before
    assert _statuses(engine) == statuses


@pytest.mark.parametrize(
    ("entries", "page_size", "pages"), [(7, 3, 3), (6, 3, 3), (2, 3, 1), (0, 3, 1)]
)
def test_sync_pages_with_limit_and_offset_until_a_short_page(
    sync_ctx: Context,
    engine: Engine,
    fake_sendgrid: FakeSendGrid,
    entries: int,
    page_size: int,
    pages: int,
) -> None:
    for i in range(entries):
        fake_sendgrid.add_suppression("blocks", f"person{i}@koulu.example", created=CREATED - i)
    report = sync_suppressions(sync_ctx, page_size=page_size, lists=["blocks"])
    assert report.lists == {"blocks": entries}
    assert report.pages == pages
    assert len({row.email for row in _events(engine)}) == entries


def test_sync_with_a_wrong_key_stops_with_an_auth_error(
    sync_ctx: Context, engine: Engine, fake_sendgrid: FakeSendGrid
) -> None:
    fake_sendgrid.add_suppression("bounces", "anna.virtanen@espoo.example", created=CREATED)
    wrong = Context(
        sync_ctx.settings.model_copy(update={"sendgrid_api_key": SecretStr("SG.wrong")}), engine
    )
    with pytest.raises(ProviderAuthError, match="401"):
        sync_suppressions(wrong)
    assert _events(engine) == []


def test_the_cli_prints_the_sync_report_as_json(
    db_url: str, tmp_path: Any, engine: Engine, fake_sendgrid: FakeSendGrid
) -> None:
    _seed(engine, fake_sendgrid)
    env = {
        "MAILER_DATABASE_URL": db_url,
        "MAILER_VAR_DIR": str(tmp_path / "var"),
        "MAILER_SENDGRID_HOST": fake_sendgrid.url,
        "MAILER_SENDGRID_API_KEY": fake_sendgrid.api_key,
    }
    result = CliRunner().invoke(cli_app, ["bounces", "sync", "--json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["lists"]["bounces"] == 2
    assert report["ingest"]["status_changes"] == 3
    assert _statuses(engine)["anna.virtanen@espoo.example"] == ("stale", 0)


def test_sync_keeps_addresses_and_the_key_out_of_the_http_clients_debug_log(
    sync_ctx: Context, engine: Engine, fake_sendgrid: FakeSendGrid, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=HTTP_LOGGER)
    _seed(engine, fake_sendgrid)
    assert sync_suppressions(sync_ctx).lists["bounces"] == 2
    lines = [r.getMessage() for r in caplog.records if r.name == HTTP_LOGGER]
    assert "GET Response: 200 <redacted>" in lines
    assert fake_sendgrid.api_key not in caplog.text
    assert "@" not in caplog.text  # no address, from any list


def test_sync_of_a_list_sendgrid_does_not_have_is_refused_before_any_request(
    sync_ctx: Context, engine: Engine
) -> None:
    with pytest.raises(ValueError, match="unknown suppression list 'unsubscribes'"):
        sync_suppressions(sync_ctx, lists=["unsubscribes"])
    assert _events(engine) == []


class _CutShort:
    """A client whose every request ends mid-answer (what urllib raises as IncompleteRead)."""

    def __init__(self) -> None:
        self.client = self
        self.suppression = self

    def _(self, name: str) -> _CutShort:
        return self

    def get(self, **_: Any) -> Any:
        raise http.client.IncompleteRead(b"[{", 100)


def test_an_answer_cut_short_is_a_transient_sendgrid_error(
    sync_ctx: Context, engine: Engine
) -> None:
    source = SuppressionLists(sync_ctx.settings, client=_CutShort())
    with pytest.raises(TransientProviderError, match="GET /v3/suppression/bounces offset 0"):
        sync_suppressions(sync_ctx, source)
    assert _events(engine) == []


def test_sync_without_an_api_key_is_a_config_error_naming_the_setting(
    sync_ctx: Context, engine: Engine
) -> None:
    keyless = Context(sync_ctx.settings.model_copy(update={"sendgrid_api_key": None}), engine)
    with pytest.raises(ConfigError, match="MAILER_SENDGRID_API_KEY: required for `mailer bounces"):
        sync_suppressions(keyless)
    assert _events(engine) == []
