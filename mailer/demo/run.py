"""ENTRY POINT (like cli/web/scheduler): the main job on the embedded defaults.

The whole pipeline once, on sample data, safely re-runnable:

Import the sample rosters -> check and preview the newest edition -> approve it (as the demo) ->
send it into the file outbox -> feed a realistic set of delivery events through the REAL webhook
handler, signed with a key pair made for this run -> reports.

It drives the web app in-process, so it sits beside cli/web/scheduler rather than in the pipeline.
Re-running is safe by construction, not by special cases: the import merges, the ledger sends
nobody twice, and the demo's events have ids derived from the delivery ids, so the webhook stores
each of them once however often it is run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

from mailer.config import Settings
from mailer.core.errors import ContentError, MailerError
from mailer.core.tokens import make_unsubscribe_token
from mailer.pipeline.context import Context
from mailer.pipeline.editions.check import approval_status, approve_edition, check_edition
from mailer.pipeline.editions.preview import write_preview
from mailer.pipeline.editions.revisions import import_edition
from mailer.pipeline.pages import bounce_report_html
from mailer.pipeline.register_views import accepted_letters
from mailer.pipeline.reports import BounceReport, EditionReport, bounce_report, edition_report
from mailer.pipeline.roster import ImportReport, import_rosters
from mailer.pipeline.send.deliver import SendReport, send_edition
from mailer.providers.sendgrid.signature import generate_key_pair, signed_headers
from mailer.web.app import create_app

__all__ = [
    "DemoReport",
    "demo_events",
    "demo_settings",
    "newest_edition",
    "prepare_demo_dir",
    "run_demo",
]

DEMO_APPROVER = "mailer demo"
ROSTER_SUFFIXES = (".csv", ".xlsx")
# The shipped sample data: the demo copies exactly these, never a coordinator's own editions
# or rosters that sit beside them.
SAMPLE_EDITION = "2026-11"
SAMPLE_ROSTERS = (
    "excel-yksityiset-ja-normaalikoulut.csv",
    "lyyti-vipu-yhdyshenkilot.csv",
    "vipu-kontaktpersoner-sv.csv",
    "vipu-pohjoinen-ita-sisa.xlsx",
)


class DemoReport(BaseModel):
    edition: str
    folder: Path  # everything the demo wrote is under it
    database: str
    imported: ImportReport
    preview_index: Path
    sent: SendReport
    events_posted: int
    events_stored: int
    webhook_status: int
    one_click_status: int | None
    edition_report: EditionReport
    bounce_report: BounceReport
    outbox: Path
    report_html: Path


def demo_settings(settings: Settings) -> Settings:
    """The demo's own world under `<var>/demo/`: its SQLite database, outbox, previews and
    reports, and its copy of the sample letter and rosters. Always the file outbox."""
    root = settings.var_dir / "demo"
    return settings.model_copy(
        update={
            "database_url": f"sqlite:///{root / 'mailer.db'}",
            "var_dir": root,
            "letters_dir": root / "letters",
            "recipients_dir": root / "recipients",
            "provider": "outbox",
        }
    )


def prepare_demo_dir(settings: Settings, demo: Settings) -> None:
    """Copy the sample letter and rosters from the project (`settings`) into the demo's
    folders. A file is rewritten only when it differs, so a re-run keeps the approval."""
    sources = [(settings.letters_dir / f"{SAMPLE_EDITION}.yaml", demo.letters_dir)]
    sources += [(settings.recipients_dir / name, demo.recipients_dir) for name in SAMPLE_ROSTERS]
    for source, target_dir in sources:
        if not source.is_file():
            raise MailerError(
                f"sample file {source} not found: run `mailer demo` in the project directory "
                "(or point MAILER_LETTERS_DIR / MAILER_RECIPIENTS_DIR at the samples)"
            )
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / source.name
        data = source.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)


def newest_edition(letters_dir: Path) -> str:
    months = sorted(p.stem for p in letters_dir.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9].yaml"))
    if not months:
        raise ContentError(str(letters_dir), None, "edition", "no YYYY-MM.yaml edition found")
    return months[-1]


def _event_id(delivery_id: str, kind: str) -> str:
    # Stable across runs: the same demo event is the same event, so the webhook dedupes it.
    return hashlib.sha256(f"demo:{delivery_id}:{kind}".encode()).hexdigest()[:22]


def _pick(rows: list[Any], salt: str, count: int, taken: set[str]) -> list[Any]:
    """A deterministic, spread-out choice of `count` rows not yet given another fate."""
    ranked = sorted(
        (r for r in rows if r.delivery_id not in taken),
        key=lambda r: hashlib.sha256(f"{salt}:{r.delivery_id}".encode()).hexdigest(),
    )
    chosen = ranked[:count]
    taken.update(r.delivery_id for r in chosen)
    return chosen


def demo_events(rows: list[Any], month: str) -> list[dict[str, Any]]:
    """SendGrid Event Webhook objects for the accepted deliveries `rows`: most are delivered; a
    few bounce hard, some are blocked (soft), one is a complaint, one unsubscribes through
    SendGrid, one bounce is our side's problem (Technical), one has an event type we don't know."""
    taken: set[str] = set()
    hard = _pick(rows, "hard", 3, taken)
    dropped = _pick(rows, "dropped", 1, taken)
    soft = _pick(rows, "soft", 2, taken)
    technical = _pick(rows, "technical", 1, taken)
    complaint = _pick(rows, "spam", 1, taken)
    unsubscribe = _pick(rows, "unsub", 1, taken)
    fates: dict[str, str] = {}
    for fate, chosen in (
        ("hard", hard),
        ("dropped", dropped),
        ("soft", soft),
        ("technical", technical),
        ("spamreport", complaint),
        ("unsubscribe", unsubscribe),
    ):
        fates.update({r.delivery_id: fate for r in chosen})

    events: list[dict[str, Any]] = []
    for row in rows:
        events.extend(_row_events(row, month, fates.get(row.delivery_id)))
    # An event type SendGrid may add one day: stored as unknown, never dropped.
    if rows:
        first = rows[0]
        events.append(
            {
                "email": first.email,
                "event": "machine_learning_insight",
                "timestamp": int(first.accepted_at.timestamp()) + 9000,
                "sg_event_id": _event_id(first.delivery_id, "unknown"),
                "delivery_id": first.delivery_id,
                "edition": month,
            }
        )
    return events


def _row_events(row: Any, month: str, fate: str | None) -> list[dict[str, Any]]:
    base_ts = int(row.accepted_at.timestamp())
    common = {
        "email": row.email,
        "sg_message_id": f"{row.delivery_id.replace('-', '')[:22]}.demo.0",
        "smtp-id": f"<{row.delivery_id}@demo.example>",
        "category": [f"vipu-{month}", f"vipu-{row.region}-{row.language}"],
        # SendGrid copies a personalization's custom_args into every event at top level.
        "delivery_id": row.delivery_id,
        "edition": month,
        "region": row.region,
        "language": row.language,
    }
    out: list[dict[str, Any]] = []

    def event(kind: str, offset: int, **fields: Any) -> None:
        out.append(
            {
                **common,
                "event": kind,
                "timestamp": base_ts + offset,
                "sg_event_id": _event_id(row.delivery_id, kind),
                **fields,
            }
        )

    event("processed", 1)
    if fate == "hard":
        event(
            "bounce", 20, type="bounce", status="5.1.1",
            reason="550 5.1.1 The email account that you tried to reach does not exist",
            bounce_classification="Invalid Address",
        )  # fmt: skip
    elif fate == "dropped":
        event("dropped", 5, reason="Bounced Address", status="5.0.0")
    elif fate == "soft":
        event("deferred", 30, attempt="1", response="451 4.7.1 Try again later")
        event(
            "bounce", 3600, type="blocked", status="4.7.1",
            reason="451 4.7.1 Mailbox temporarily unavailable",
            bounce_classification="Mailbox Unavailable",
        )  # fmt: skip
    elif fate == "technical":
        event(
            "bounce", 25, type="bounce", status="5.7.1",
            reason="550 5.7.1 Message rejected: sending IP not authorised",
            bounce_classification="Technical",
        )  # fmt: skip
    else:
        event("delivered", 10, response="250 2.0.0 OK")
        if fate == "spamreport":
            event("spamreport", 7200)
        elif fate == "unsubscribe":
            event("unsubscribe", 5400)
        else:
            event("open", 600, sg_machine_open=False, useragent="Mozilla/5.0")
    return out


async def _post_through_app(
    ctx: Context, events: list[dict[str, Any]], one_click_contact: int | None
) -> tuple[int, int, int | None]:
    """POST the events to the real FastAPI app (in-process ASGI), signed like SendGrid does,
    and one RFC 8058 one-click unsubscribe like a mail client does."""
    private_key, public_key = generate_key_pair()
    settings = ctx.settings.model_copy(update={"sendgrid_webhook_public_key": public_key})
    app = create_app(settings, Context(settings, ctx.engine))
    transport = httpx.ASGITransport(app=app)
    stored = 0
    status = 0
    one_click: int | None = None
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client:
        # SendGrid posts in batches; so do we.
        for start in range(0, len(events), 500):
            body = json.dumps(events[start : start + 500]).encode()
            headers = signed_headers(private_key, body, now=time.time())
            response = await client.post("/webhooks/sendgrid", content=body, headers=headers)
            status = response.status_code
            if status != 200:
                raise MailerError(f"webhook answered {status}: {response.text[:300]}")
            stored += int(response.json().get("stored", 0))
        if one_click_contact is not None:
            token = make_unsubscribe_token(
                settings.secret_key.get_secret_value(), one_click_contact
            )
            response = await client.post(
                f"/u/{token}",
                content=b"List-Unsubscribe=One-Click",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            one_click = response.status_code
    return status, stored, one_click


def _one_click_candidate(rows: list[Any], events: list[dict[str, Any]]) -> int | None:
    """A contact who got the letter and no other fate uses the one-click link. Chosen from the
    ledger alone (not from current statuses), so a re-run picks the same person and the POST is
    a harmless repeat rather than a second unsubscribe."""
    eventful = {
        e["delivery_id"] for e in events if e["event"] not in ("processed", "delivered", "open")
    }
    for row in sorted(rows, key=lambda r: hashlib.sha256(r.delivery_id.encode()).hexdigest()):
        if row.delivery_id not in eventful and row.contact_id is not None:
            return int(row.contact_id)
    return None


def run_demo(ctx: Context, *, say: Callable[[str], None] = print) -> DemoReport:
    """Run the main job. `say` reports each step as it happens."""
    settings = ctx.settings
    rosters = sorted(
        p for p in settings.recipients_dir.iterdir() if p.suffix.lower() in ROSTER_SUFFIXES
    )
    say(f"    working in {settings.var_dir}/ (its own database, outbox, previews, reports)")
    say(f"1/6 importing {len(rosters)} rosters from {settings.recipients_dir}/")
    imported = import_rosters(ctx, rosters)

    month = newest_edition(settings.letters_dir)  # the demo's folder holds the sample only
    # Editions live in the database: the sample file goes in as a coordinator's would (an
    # unchanged file stores nothing, so a second run keeps the approval).
    import_edition(ctx, settings.letters_dir / f"{month}.yaml", DEMO_APPROVER)
    say(f"2/6 checking edition {month} (10 variants)")
    check = check_edition(ctx, month)
    if check.problems:
        raise ContentError(
            str(settings.letters_dir / f"{month}.yaml"),
            None,
            "edition",
            f"{len(check.problems)} problems; run `mailer edition check {month}`",
        )
    preview_index = write_preview(ctx, month)
    say(f"3/6 preview written: {preview_index}")

    if approval_status(ctx, month).state == "draft":
        approve_edition(ctx, month, DEMO_APPROVER)
        say(f"    approved {month} as {DEMO_APPROVER!r}")
    say(f"4/6 sending {month} into the file outbox")
    sent = send_edition(ctx, month)

    rows = accepted_letters(ctx, month)
    events = demo_events(rows, month)
    one_click_contact = _one_click_candidate(rows, events)
    say(f"5/6 posting {len(events)} signed delivery events to the webhook")
    status, stored, one_click = asyncio.run(_post_through_app(ctx, events, one_click_contact))

    say("6/6 reports")
    bounces = bounce_report(ctx)
    report_html = settings.var_dir / "reports" / f"bounces-{month}.html"
    report_html.parent.mkdir(parents=True, exist_ok=True)
    report_html.write_text(bounce_report_html(settings, bounces, standalone=True), encoding="utf-8")
    return DemoReport(
        edition=month,
        folder=settings.var_dir,
        database=settings.database_url,
        imported=imported,
        preview_index=preview_index,
        sent=sent,
        events_posted=len(events),
        events_stored=stored,
        webhook_status=status,
        one_click_status=one_click,
        edition_report=edition_report(ctx, month),
        bounce_report=bounces,
        outbox=settings.outbox_dir / month,
        report_html=report_html,
    )
