"""Fault test: `mailer send` and `mailer serve` are SIGKILLed at random points while letters go
out and events come back; after restarts, no letter went out twice, nobody was skipped, and no
event was lost or stored twice. Seeded, so a failure can be replayed."""

from __future__ import annotations

import contextlib
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mailer.config import Settings
from mailer.demo.run import newest_edition
from mailer.pipeline import Context
from mailer.pipeline.editions.check import approve_edition
from mailer.pipeline.roster import import_rosters
from mailer.store.tables import contact_history, contacts, deliveries
from mailer.store.tables import events as events_table
from tests.editions_data import import_letters
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.services import ROOT, WebService, mailer_env, post_events, production_like, run_mailer

pytestmark = pytest.mark.slow

SEED = 20261124
ROUNDS = 6


def _start_sender(env: dict[str, str], month: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "mailer", "send", month, "--json", "--yes"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class Reports:
    """What SendGrid would report: each event generated once (fixed sg_event_id), however often
    it is then posted."""

    def __init__(self, fake: FakeSendGrid) -> None:
        self.fake = fake
        self.memo: dict[tuple[str, str], dict[str, Any]] = {}

    def events(self, kind: str, emails: list[str] | None = None) -> list[dict[str, Any]]:
        for event in self.fake.events_for_accepted(kind, emails=emails):
            self.memo.setdefault((event["delivery_id"], kind), event)
        wanted = set(emails) if emails is not None else None
        return [
            e
            for (_d, k), e in self.memo.items()
            if k == kind and (wanted is None or e["email"] in wanted)
        ]


class Poster:
    """Delivers event batches like SendGrid: a batch that got no 2xx answer is posted again
    (after the service is back), so every event arrives at least once, some more than once."""

    def __init__(self, web: WebService, private_key: Any) -> None:
        self.web = web
        self.private_key = private_key
        self.posted_ids: set[str] = set()
        self.retries = 0

    def deliver(self, batch: list[dict[str, Any]]) -> None:
        for _attempt in range(20):
            try:
                answer = post_events(self.web.url, self.private_key, batch, timeout=10)
                if answer.status_code == 200:
                    self.posted_ids.update(e["sg_event_id"] for e in batch)
                    return
            except httpx.TransportError:
                pass
            self.retries += 1
            if not self.web.running():
                # killed again while starting? the next attempt restarts it
                with contextlib.suppress(RuntimeError):
                    self.web.start()
            time.sleep(0.05)
        raise AssertionError("an event batch was never accepted by the web service")


def test_killing_sender_and_web_service_loses_and_doubles_nothing(
    settings: Settings, engine: Engine, fake_sendgrid: FakeSendGrid
) -> None:
    rng = random.Random(SEED)
    prod, port, private_key = production_like(settings, fake_sendgrid)
    ctx = Context(prod, engine)
    month = newest_edition(prod.letters_dir)
    rosters = sorted(p for p in prod.recipients_dir.iterdir() if p.suffix in (".csv", ".xlsx"))
    planned_contacts = import_rosters(ctx, rosters).created
    import_letters(ctx, prod.letters_dir / f"{month}.yaml")
    approve_edition(ctx, month, "fault test")
    # Small batches and a slow provider make many windows for a kill to land in.
    env = mailer_env(prod, MAILER_BATCH_SIZE="7")
    fake_sendgrid.inject("slow", count=10_000, seconds=0.05)

    web = WebService(env, port=port).start()
    poster = Poster(web, private_key)
    reports = Reports(fake_sendgrid)
    hard_bounced: str | None = None
    killed_mid_send = 0
    try:
        for _round in range(ROUNDS):
            sender = _start_sender(env, month)
            # Kill once the sender is in the middle of it: a few more requests, then a jitter.
            target = len(fake_sendgrid.attempts) + rng.randint(1, 4)
            deadline = time.monotonic() + 30
            while len(fake_sendgrid.attempts) < target and sender.poll() is None:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.08))
            if sender.poll() is None:
                sender.send_signal(signal.SIGKILL)
                killed_mid_send += 1
            sender.wait(timeout=30)

            # SendGrid reports on what it accepted so far, while the web service gets killed.
            processed = reports.events("processed")
            fresh = [e for e in processed if e["sg_event_id"] not in poster.posted_ids]
            if hard_bounced is None and fresh:
                hard_bounced = fresh[0]["email"]
                fresh += reports.events("bounce", emails=[hard_bounced])
            killer = threading.Timer(rng.uniform(0.0, 0.15), web.kill)
            killer.start()
            for start in range(0, len(fresh), 25):
                poster.deliver(fresh[start : start + 25])
            killer.join()
            # The same bounce posted again after a crash, as SendGrid's retry would.
            if hard_bounced is not None:
                replay = [e for e in fresh if e["email"] == hard_bounced and e["event"] == "bounce"]
                if replay:
                    poster.deliver(replay)

        # Recovery: the service is up, every event SendGrid has is in; the send finishes.
        if not web.running():
            web.start()
        for _batch in range(10_000):
            rest = [
                e for e in reports.events("processed") if e["sg_event_id"] not in poster.posted_ids
            ]
            if not rest:
                break
            poster.deliver(rest[:25])
        fake_sendgrid.clear_injections()
        final = run_mailer(["send", month, "--json", "--resend-ambiguous", "--yes"], env)
        assert final.returncode == 0, final.stdout + final.stderr
    finally:
        web.stop()

    # The faults really happened (else this test would prove nothing).
    assert killed_mid_send >= ROUNDS // 2
    assert poster.retries >= 1

    # No letter twice, nobody skipped: the fake's own records prove it.
    sent = Counter(p.custom_args["delivery_id"] for p in fake_sendgrid.accepted_personalizations())
    doubles = {d: n for d, n in sent.items() if n > 1}
    assert doubles == {}
    with engine.connect() as conn:
        ledger = dict(
            conn.execute(
                sa.select(deliveries.c.delivery_id, deliveries.c.state).where(
                    deliveries.c.edition == month
                )
            ).all()
        )
        stored_ids = set(conn.execute(sa.select(events_table.c.sg_event_id)).scalars())
        stored_rows = conn.execute(
            sa.select(sa.func.count()).select_from(events_table)
        ).scalar_one()
        stale_history = list(
            conn.execute(
                sa.select(contact_history.c.new_status)
                .join(contacts, contacts.c.id == contact_history.c.contact_id)
                .where(contacts.c.email == hard_bounced)
            ).scalars()
        )
        hard_status = (
            conn.execute(
                sa.select(contacts.c.status).where(contacts.c.email == hard_bounced)
            ).scalar_one()
            if hard_bounced
            else None
        )
    assert len(ledger) == planned_contacts
    assert set(ledger.values()) == {"accepted"}
    assert set(sent) == set(ledger)
    # No event lost, none stored twice (the table's unique key would refuse it; count anyway).
    assert stored_ids == poster.posted_ids
    assert stored_rows == len(poster.posted_ids)
    # The bounce arrived several times but changed the contact once.
    assert hard_status == "stale"
    assert stale_history.count("stale") == 1
