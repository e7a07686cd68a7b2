"""A sender killed with SIGKILL at random moments, then run again, sends everyone exactly once.

The sender runs in a subprocess (this module is its driver: `python -m tests.test_send_crash`),
the fake SendGrid in a thread of the test process. After each kill the test feeds SendGrid's
"processed" events for what the fake accepted into the events table, as the webhook would, so the
ambiguity rule (README "Ambiguous batches") can settle the killed batch truthfully; the re-run
uses --resend-ambiguous for what no event proves. The fake's records are the proof.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from mailer.config import load_settings
from mailer.pipeline import Context
from mailer.pipeline.events import ingest_events
from mailer.pipeline.send.deliver import deliver
from mailer.providers.sendgrid.send import RetryPolicy, SendGridProvider
from mailer.store import ledger, tables
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.test_send_support import MONTH, add_contacts, compiled_edition, people, person

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261124
ROUNDS = 6


def _driver() -> None:
    """The sender process: settings from the environment, hand-built variants, real provider."""
    settings = load_settings()
    ctx = Context(settings)
    retry = RetryPolicy(attempts=6, initial=0.05, max_backoff=0.2, max_rate_limit_wait=1.0)
    provider = SendGridProvider(settings, retry=retry)
    sys.stdout.write("READY\n")  # imports done (seconds on a busy machine): the send starts now
    sys.stdout.flush()
    report = deliver(
        ctx,
        MONTH,
        compiled_edition(),
        provider,
        resend_ambiguous="--resend-ambiguous" in sys.argv,
    )
    sys.stdout.write(report.model_dump_json() + "\n")
    ctx.close()


def _env(ctx: Context, fake: FakeSendGrid) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILER_")}
    env.update(
        {
            "MAILER_DATABASE_URL": ctx.settings.database_url,
            "MAILER_VAR_DIR": str(ctx.settings.var_dir),
            "MAILER_PROVIDER": "sendgrid",
            "MAILER_SENDGRID_API_KEY": fake.api_key,
            "MAILER_SENDGRID_HOST": fake.url,
            "MAILER_SENDGRID_TIMEOUT": "5",
            "MAILER_BATCH_SIZE": "5",
            "MAILER_SECRET_KEY": "test-secret-key-for-signing-tokens",
            "MAILER_PUBLIC_URL": "https://vipu.example",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.test_send_crash", "--resend-ambiguous"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_until_quiet(fake: FakeSendGrid, quiet: float = 1.0, limit: float = 20.0) -> None:
    """Until the fake has recorded no new request for `quiet` seconds (it records a request
    when it has answered it, so one still being validated shows up within that time)."""
    seen, since, start = -1, time.monotonic(), time.monotonic()
    while time.monotonic() - start < limit:
        count = len(fake.attempts)
        if count != seen:
            seen, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.05)


@pytest.mark.slow
def test_sigkill_at_random_moments_then_rerun_sends_everyone_exactly_once(ctx: Context) -> None:
    rng = random.Random(SEED)
    add_contacts(ctx.engine, [*people(300), person(900, status="unsubscribed")])
    fake = FakeSendGrid().start()
    try:
        # slow answers widen the window in which a kill lands mid-request; 500s get retried
        fake.inject_random(SEED, {"slow": 0.25, "500": 0.05}, {"slow": {"seconds": 0.15}})
        env = _env(ctx, fake)
        kills = 0
        left_sending = 0  # rows a kill caught between "sending" and "accepted"
        for _round in range(ROUNDS):
            proc = _start(env)
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "READY"
            time.sleep(rng.uniform(0.05, 1.5))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.communicate(timeout=60)
            with ctx.engine.connect() as conn:
                left_sending += ledger.state_counts(conn, MONTH, None, None).get("sending", 0)
            _wait_until_quiet(fake)  # a request the dead sender had fully written may finish
            ingest_events(ctx, fake.events_for_accepted("processed"))
        assert kills >= 3, "the seeded delays should kill most rounds mid-send"
        assert left_sending > 0, "no kill landed mid-batch: the ambiguity rule went untested"
        proc = _start(env)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        final = json.loads(out.strip().splitlines()[-1])
        assert final["ambiguous"] == 0 and final["failed"] == 0
        sent = Counter(p.custom_args["delivery_id"] for p in fake.accepted_personalizations())
    finally:
        fake.stop()
    with ctx.engine.connect() as conn:
        rows = list(
            conn.execute(sa.select(tables.deliveries.c.delivery_id, tables.deliveries.c.state))
        )
    assert len(rows) == 300
    assert {state for _d, state in rows} == {"accepted"}
    assert set(sent) == {d for d, _s in rows}
    assert [d for d, n in sent.items() if n != 1] == []
    assert sum(1 for p in people(300) if fake.sent_to(p["email"]) != 1) == 0
    assert fake.sent_to(person(900)["email"]) == 0


if __name__ == "__main__":
    _driver()
