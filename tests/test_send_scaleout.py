"""Scale-out on PostgreSQL: two `mailer send` processes on one edition share the work through
`FOR UPDATE SKIP LOCKED` claims; nobody is mailed twice and everybody is mailed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from mailer.pipeline import Context
from mailer.pipeline.editions.check import approve_edition
from mailer.store import tables
from tests.editions_data import import_letters
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.test_send_support import add_contacts, people

ROOT = Path(__file__).resolve().parent.parent
MONTH = "2026-11"
CONTACTS = 400


@pytest.mark.slow
def test_two_senders_at_once_share_the_edition_without_overlap(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("several senders at once is a PostgreSQL feature (SQLite has one writer)")
    add_contacts(ctx.engine, people(CONTACTS))
    # a private copy of the content: the approval hash must not see the shared tree change
    content = ctx.settings.var_dir.parent / "content"
    shutil.copytree(ROOT / "letters", content / "letters")
    shutil.copytree(ROOT / "templates", content / "templates")
    ctx.settings.letters_dir = content / "letters"
    ctx.settings.templates_dir = content / "templates"
    import_letters(ctx, content / "letters")
    approve_edition(ctx, MONTH, "Kaisa Koordinaattori")
    fake = FakeSendGrid().start()
    try:
        # slow answers keep both senders busy at the same time
        fake.inject_random(7, {"slow": 0.5}, {"slow": {"seconds": 0.05}})
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAILER_")}
        env.update(
            {
                "MAILER_DATABASE_URL": ctx.settings.database_url,
                "MAILER_VAR_DIR": str(ctx.settings.var_dir),
                "MAILER_LETTERS_DIR": str(content / "letters"),
                "MAILER_TEMPLATES_DIR": str(content / "templates"),
                "MAILER_PROVIDER": "sendgrid",
                "MAILER_SENDGRID_API_KEY": fake.api_key,
                "MAILER_SENDGRID_HOST": fake.url,
                "MAILER_BATCH_SIZE": "5",
                "MAILER_SECRET_KEY": "test-secret-key-for-signing-tokens",
                "MAILER_PUBLIC_URL": "https://vipu.example",
            }
        )
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "mailer", "send", MONTH, "--json", "--yes"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [p.communicate(timeout=600) for p in procs]
        sent = Counter(p.custom_args["delivery_id"] for p in fake.accepted_personalizations())
    finally:
        fake.stop()
    for proc, (_out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
    reports = [json.loads(out) for out, _err in results]
    assert sum(r["accepted"] for r in reports) == CONTACTS
    assert all(r["accepted"] > 0 for r in reports), "one sender did all the work: no sharing"
    assert all(r["ambiguous"] == 0 and r["failed"] == 0 for r in reports)
    with ctx.engine.connect() as conn:
        rows = list(
            conn.execute(sa.select(tables.deliveries.c.delivery_id, tables.deliveries.c.state))
        )
    assert len(rows) == CONTACTS
    assert {state for _d, state in rows} == {"accepted"}
    assert set(sent) == {d for d, _s in rows}
    assert [d for d, n in sent.items() if n != 1] == []
