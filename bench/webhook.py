"""Webhook throughput: signed SendGrid-sized POSTs to the real service over loopback.

Starts `mailer serve` (uvicorn) in a subprocess on 127.0.0.1 with an SQLite database in a temp
dir and a freshly generated key pair, seeds a register and a ledger, posts N signed events in
batches of up to 1000 (SendGrid's batch size; a few hundred KB each), prints events/s and checks
that none was lost or doubled, replays a few batches to show duplicates do not double, and in the
same run compares set-based ingest with the naive way (one transaction and SELECT-then-INSERT
per event) on a sample, in-process on copies of the same database.

    .venv/bin/python bench/webhook.py                 # 200,000 events
    .venv/bin/python bench/webhook.py --events 20000  # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailer.config import Settings  # noqa: E402
from mailer.pipeline import Context  # noqa: E402
from mailer.pipeline.events import POLICY_TYPES, apply_policy, ingest_events, thresholds_from  # noqa: E402
from mailer.providers.sendgrid.events import parse_events  # noqa: E402
from mailer.providers.sendgrid.signature import generate_key_pair, signed_headers  # noqa: E402
from mailer.store.base import create_db_engine  # noqa: E402
from mailer.store.tables import contacts, deliveries, events  # noqa: E402

EDITIONS = ["2026-03", "2026-04", "2026-05", "2026-06"]
BASE = datetime(2026, 3, 5, 7, 0, tzinfo=UTC)


def seed(url: str, n_contacts: int) -> list[tuple[str, str, str]]:
    """Contacts and one accepted delivery per edition each; returns (delivery_id, email, ed)."""
    engine = create_db_engine(url)
    now = datetime.now(UTC)
    people = [
        {
            "email": f"vipu{i:05d}@kunta{i % 300:03d}.example",
            "first_name": "Testi",
            "last_name": f"Henkilö {i}",
            "organisation": f"Kunta {i % 300}",
            "org_type": "municipality",
            "region": ["hyks", "kys", "tays", "tyks", "oys"][i % 5],
            "language": "sv" if i % 9 == 0 else "fi",
            "role": "support",
            "status": "active",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n_contacts)
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(contacts), people)
        ids = dict(conn.execute(sa.select(contacts.c.email, contacts.c.id)).all())
        rows = [
            {
                "delivery_id": str(uuid.uuid4()),
                "edition": edition,
                "contact_id": ids[p["email"]],
                "email": p["email"],
                "region": p["region"],
                "language": p["language"],
                "state": "accepted",
                "queued_at": now,
                "accepted_at": now,
            }
            for edition in EDITIONS
            for p in people
        ]
        conn.execute(sa.insert(deliveries), rows)
    engine.dispose()
    return [(r["delivery_id"], r["email"], r["edition"]) for r in rows]


def make_events(ledger: list[tuple[str, str, str]], total: int, rng: random.Random) -> list[dict]:
    """Realistic traffic: every letter processed and mostly delivered, opens and clicks, a few
    deferrals, blocks, hard bounces, drops, unsubscribes, spam reports, unknown types."""
    out: list[dict[str, Any]] = []
    cycle = 0
    while len(out) < total:
        for delivery_id, email, edition in ledger:
            if len(out) >= total:
                break
            out += letter_events(event_maker(delivery_id, email, edition, cycle, rng), rng)
        cycle += 1
    return out[:total]


EventMaker = Callable[..., dict[str, Any]]


def event_maker(
    delivery_id: str, email: str, edition: str, cycle: int, rng: random.Random
) -> EventMaker:
    """A maker of one letter's events: (kind, seconds after the send, extra fields) -> event."""
    month = EDITIONS.index(edition)
    at = BASE + timedelta(days=30 * month, seconds=rng.randint(0, 7200) + cycle)
    message = f"{uuid.uuid4().hex[:22]}.filterdrecv-{rng.randint(1, 99)}-{month}-0"
    common = {
        "email": email,
        "sg_message_id": message,
        "smtp-id": f"<{message[:22]}@ismtpd0001p1lon1.sendgrid.net>",
        "category": [f"vipu-{edition}", "vipu-hyks-fi"],
        "delivery_id": delivery_id,
        "edition": edition,
        "region": "hyks",
        "language": "fi",
    }

    def event(kind: str, seconds: int, **extra: Any) -> dict[str, Any]:
        stamp = int((at + timedelta(seconds=seconds)).timestamp())
        return {
            "sg_event_id": uuid.uuid4().hex[:22] + "AbCdEfGhIjKl",
            "event": kind,
            "timestamp": stamp,
            **common,
            **extra,
        }

    return event


def letter_events(event: EventMaker, rng: random.Random) -> list[dict[str, Any]]:
    """One letter's events: processed, then a failure or a delivery with what follows it."""
    roll = rng.random()
    out = [event("processed", 0)]
    if roll < 0.02:
        out.append(
            event(
                "bounce", 5, type="bounce", status="5.1.1",
                reason="550 5.1.1 The email account does not exist",
                bounce_classification="Invalid Address",
            )
        )  # fmt: skip
    elif roll < 0.05:
        out.append(
            event("bounce", 5, type="blocked", status="4.7.1", reason="421 4.7.1 greylisted")
        )
    elif roll < 0.06:
        out.append(event("dropped", 1, reason="Bounced Address", status="5.0.0"))
    else:
        if roll < 0.09:
            out.append(event("deferred", 2, response="421 try again later", attempt="1"))
        out.append(event("delivered", 9, response="250 2.0.0 OK", ip="192.0.2.7"))
        out += after_delivery(event, rng)
    return out


def after_delivery(event: EventMaker, rng: random.Random) -> list[dict[str, Any]]:
    """What a delivered letter may bring: opens, clicks, spam reports, unsubscribes."""
    out = []
    if rng.random() < 0.7:
        out.append(
            event(
                "open", 600, useragent="Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
                ip="198.51.100.23", sg_machine_open=False,
            )
        )  # fmt: skip
    if rng.random() < 0.25:
        out.append(
            event("click", 700, url="https://vip-verkosto.example/koulutukset/2026",
                  url_offset={"index": 1, "type": "html"}, ip="198.51.100.23")
        )  # fmt: skip
    if rng.random() < 0.004:
        out.append(event("spamreport", 900))
    if rng.random() < 0.006:
        out.append(event("group_unsubscribe", 950, asm_group_id=4242))
    if rng.random() < 0.003:
        out.append(event("machine_opened", 601))
    return out


def batches(items: list[dict], rng: random.Random) -> Iterator[list[dict]]:
    """SendGrid-sized batches: mostly 1000 events, some smaller (it flushes on time too)."""
    start = 0
    while start < len(items):
        size = 1000 if rng.random() < 0.8 else rng.randint(200, 999)
        yield items[start : start + size]
        start += size


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def count_events(url: str) -> tuple[int, int]:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
        distinct = conn.execute(
            sa.select(sa.func.count(sa.distinct(events.c.sg_event_id)))
        ).scalar_one()
    engine.dispose()
    return int(total), int(distinct)


def naive_ingest(ctx: Context, payload: list[dict]) -> int:
    """The naive way: one transaction per event, SELECT-then-INSERT, a lookup per event and the
    policy per event."""
    stored = 0
    thresholds = thresholds_from(ctx.settings.policy)
    for event in parse_events(payload, received_at=ctx.now()):
        with ctx.engine.begin() as conn:
            if conn.execute(
                sa.select(events.c.id).where(events.c.sg_event_id == event.provider_event_id)
            ).first():
                continue
            link = conn.execute(
                sa.select(deliveries.c.id, deliveries.c.contact_id).where(
                    deliveries.c.delivery_id == event.delivery_id
                )
            ).first()
            conn.execute(
                sa.insert(events).values(
                    sg_event_id=event.provider_event_id, event_type=event.event_type.value,
                    raw_type=event.raw_type, email=event.email, occurred_at=event.occurred_at,
                    received_at=ctx.now(), source="naive", sg_message_id=event.provider_message_id,
                    delivery_pk=link.id if link else None,
                    contact_id=link.contact_id if link else None, edition=event.edition,
                    reason=event.reason, status=event.status, bounce_type=event.bounce_type,
                    classification=event.classification, raw=event.raw,
                )
            )  # fmt: skip
            stored += 1
            if link and link.contact_id and event.event_type in POLICY_TYPES:
                apply_policy(conn, {link.contact_id}, ctx.now(), thresholds)
    return stored


def compare_naive(template: Path, work: Path, sample: list[dict]) -> None:
    results = {}
    for name in ("set-based", "naive"):
        path = work / f"{name}.db"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        ctx = Context(Settings(database_url=url, var_dir=work / "var"))
        started = time.perf_counter()
        if name == "naive":
            stored = naive_ingest(ctx, sample)
        else:
            stored = sum(
                ingest_events(ctx, chunk).stored for chunk in batches(sample, random.Random(1))
            )
        elapsed = time.perf_counter() - started
        ctx.close()
        results[name] = len(sample) / elapsed
        print(
            f"  {name:<10} {stored:>7} stored in {elapsed:6.2f} s = {results[name]:>9,.0f} events/s"
        )
    print(f"  set-based is {results['set-based'] / results['naive']:.1f}x the naive way")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=12_000)
    parser.add_argument("--concurrency", type=int, default=4, help="parallel POSTs")
    parser.add_argument("--sample", type=int, default=5_000, help="events for the naive run")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    work = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    db = work / "mailer.db"
    url = f"sqlite:///{db}"
    print(f"seeding {args.contacts:,} contacts x {len(EDITIONS)} editions in {work} ...")
    ledger = seed(url, args.contacts)
    template = work / "template.db"
    engine = create_db_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    shutil.copyfile(db, template)
    rng.shuffle(ledger)
    payload = make_events(ledger, args.events, rng)
    posts = list(batches(payload, rng))
    bodies = [json.dumps(batch).encode() for batch in posts]
    sizes = sorted(len(b) for b in bodies)
    median = sizes[len(sizes) // 2] / 1024
    print(
        f"{len(payload):,} events in {len(bodies)} POSTs: median {median:.0f} KB, "
        f"largest {sizes[-1] / 1024:.0f} KB"
    )

    private_key, public_key = generate_key_pair()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILER_")}
    env |= {
        "MAILER_DATABASE_URL": url,
        "MAILER_VAR_DIR": str(work / "var"),
        "MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY": public_key,
    }
    log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "mailer", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            for _ in range(200):
                try:
                    ready = client.post(
                        "/webhooks/sendgrid", content=b"[]",
                        headers=signed_headers(private_key, b"[]", now=time.time()),
                    )  # fmt: skip
                    if ready.status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                raise SystemExit(f"the service did not start; see {work / 'server.log'}")

            def post(body: bytes) -> dict[str, int]:
                headers = signed_headers(private_key, body, now=time.time())
                response = client.post("/webhooks/sendgrid", content=body, headers=headers)
                response.raise_for_status()
                return dict(response.json())

            cpu_before = cpu_seconds(server.pid)
            started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                answers = list(pool.map(post, bodies))
            elapsed = time.perf_counter() - started
            cpu = cpu_seconds(server.pid) - cpu_before
            stored = sum(a["stored"] for a in answers)
            changes = sum(a["status_changes"] for a in answers)
            rate = len(payload) / elapsed
            print(
                f"service: {len(payload):,} events in {elapsed:.2f} s = {rate:,.0f} events/s "
                f"({args.concurrency} concurrent POSTs; {changes} status changes)"
            )
            load = os.getloadavg()[0]
            print(
                f"  server CPU {cpu:.2f} s = {len(payload) / cpu:,.0f} events per CPU-second "
                f"(load average {load:.1f} on {os.cpu_count()} cores during the run)"
            )
            total, distinct = count_events(url)
            lost = len({e["sg_event_id"] for e in payload}) - distinct
            print(f"  rows {total:,}, distinct ids {distinct:,}, stored {stored:,}: "
                  f"lost {lost}, doubled {total - distinct}")  # fmt: skip
            replayed = [post(body) for body in bodies[:5]]
            after, _ = count_events(url)
            print(
                f"  replayed 5 POSTs ({sum(a['received'] for a in replayed):,} events): stored "
                f"{sum(a['stored'] for a in replayed)}, duplicates "
                f"{sum(a['duplicates'] for a in replayed):,}, rows {total:,} -> {after:,}"
            )
            print(f"  server peak RSS {peak_rss_mb(server.pid):.0f} MB")
            ok = lost == 0 and total == distinct == len(payload) and after == total
            print(f"  {'OK' if ok else 'FAILED'}: none lost, none doubled; target 5,000 events/s "
                  f"{'met' if rate >= 5000 else 'NOT met'}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    sample = payload[: args.sample]
    print(f"in-process on a sample of {len(sample):,} events (fresh copies of the database):")
    compare_naive(template, work, sample)
    shutil.rmtree(work, ignore_errors=True)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
