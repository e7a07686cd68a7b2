"""End to end, as in production: rosters -> edition -> `mailer send` through the real sendgrid
client to the fake SendGrid -> signed events over real HTTP to `mailer serve` -> one-click
unsubscribe from the List-Unsubscribe header that was actually sent -> reports, the old admin
URL.
Runs on SQLite and on PostgreSQL (the `settings` fixture)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mailer.config import Settings
from mailer.demo.run import newest_edition
from mailer.pipeline import Context
from mailer.pipeline.editions.check import approve_edition
from mailer.pipeline.reports import bounce_report, edition_report
from mailer.pipeline.roster import import_rosters
from mailer.store.tables import contacts
from mailer.store.tables import events as events_table
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.services import (
    WebService,
    local_url,
    mailer_env,
    post_events,
    production_like,
    run_mailer,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def e2e(
    settings: Settings, engine: Engine, fake_sendgrid: FakeSendGrid
) -> Iterator[tuple[Context, WebService, object]]:
    prod, port, private_key = production_like(settings, fake_sendgrid)
    web = WebService(mailer_env(prod), port=port).start()
    try:
        yield Context(prod, engine), web, private_key
    finally:
        web.stop()


def _status(engine: Engine, email: str) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(sa.select(contacts.c.status).where(contacts.c.email == email)).scalar_one()
        )


def test_the_whole_pipeline_through_sendgrid_and_the_web_service(
    e2e: tuple[Context, WebService, object], fake_sendgrid: FakeSendGrid, engine: Engine
) -> None:
    ctx, web, private_key = e2e
    env = mailer_env(ctx.settings)
    month = newest_edition(ctx.settings.letters_dir)

    # Coordinator: import the rosters and the edition (through the CLI), approve the edition.
    rosters = sorted(
        p for p in ctx.settings.recipients_dir.iterdir() if p.suffix in (".csv", ".xlsx")
    )
    imported = import_rosters(ctx, rosters)
    assert imported.rejected == 0 and imported.created > 50
    letter = ctx.settings.letters_dir / f"{month}.yaml"
    edition = run_mailer(["edition", "import", str(letter), "--by", "e2e coordinator"], env)
    assert edition.returncode == 0, edition.stderr
    approve_edition(ctx, month, "e2e coordinator")

    # `mailer send` as a separate process, through the real sendgrid client.
    sent = run_mailer(["send", month, "--json", "--yes"], env)
    assert sent.returncode == 0, sent.stderr
    report = json.loads(sent.stdout)
    assert report["accepted"] == imported.created and report["failed"] == report["ambiguous"] == 0

    # What reached SendGrid: every contact exactly once, content once per request.
    accepted = fake_sendgrid.accepted_personalizations()
    delivery_ids = Counter(p.custom_args["delivery_id"] for p in accepted)
    assert len(delivery_ids) == imported.created and set(delivery_ids.values()) == {1}
    for request in fake_sendgrid.requests:
        body = request.body
        assert len(body["personalizations"]) <= 1000
        assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
        variants = {
            (p["custom_args"]["region"], p["custom_args"]["language"])
            for p in body["personalizations"]
        }
        assert len(variants) == 1, "one request carries one variant"

    # SendGrid reports back: most delivered, one hard bounce, one complaint.
    emails = sorted(e for p in accepted for e in p.emails)
    hard, complainer, unsubscriber = emails[0], emails[1], emails[2]
    delivered = fake_sendgrid.events_for_accepted("delivered", emails=emails[1:])
    bounced = fake_sendgrid.events_for_accepted("bounce", emails=[hard])
    spam = fake_sendgrid.events_for_accepted("spamreport", emails=[complainer])
    batch = delivered + bounced + spam
    for start in range(0, len(batch), 40):
        answer = post_events(web.url, private_key, batch[start : start + 40])
        assert answer.status_code == 200, answer.text
    # SendGrid retries a POST it is unsure about: the replay stores nothing new.
    replay = post_events(web.url, private_key, batch[:40])
    assert replay.status_code == 200
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(events_table)).scalar_one()
    assert stored == len(batch)
    assert _status(engine, hard) == "stale"
    assert _status(engine, complainer) == "unsubscribed"

    # The contact clicks the one-click link from the header SendGrid actually got (RFC 8058).
    personalization = next(p for p in accepted if unsubscriber in p.emails).personalization
    link = re.search(r"<(http[^>]+)>", personalization["headers"]["List-Unsubscribe"])
    assert link is not None
    click = httpx.post(
        local_url(link.group(1), web.port),
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert click.status_code == 200
    assert _status(engine, unsubscriber) == "unsubscribed"

    # The bounce report moved into the workspace: its old admin URL sends a browser without a
    # session to the login page (tests/test_bounces_page.py covers the page itself).
    moved = httpx.get(f"{web.url}/admin/bounces", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/login"

    bounces = bounce_report(ctx)
    stale = {c.email for section in bounces.regions for c in section.stale}
    assert stale == {hard}
    figures = edition_report(ctx, month).total
    assert (figures.accepted, figures.delivered, figures.bounced) == (
        imported.created,
        len(emails) - 1,
        1,
    )

    # Running the send again sends nobody twice and skips the stale and unsubscribed.
    again = run_mailer(["send", month, "--json", "--yes"], env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["accepted"] == 0
    assert len(fake_sendgrid.accepted_personalizations()) == len(accepted)
