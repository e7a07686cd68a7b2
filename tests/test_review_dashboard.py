"""The dashboard in-process, on both backends: every edition with its state and next planned
send, the reminders (a lapsed approval, a near send not approved), the latest send's figures and
the register per region; the admin links stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mailer.pipeline.dashboard import EditionState, ReminderKind, dashboard
from mailer.pipeline.editions import approval
from mailer.pipeline.editions.revisions import export_edition, new_edition
from mailer.pipeline.schedules.jobs import sync_schedules
from mailer.pipeline.schedules.views import list_jobs
from mailer.store.tables import deliveries, events
from tests.accounts_support import (
    Browser,
    ClockContext,
    browser,
    cheap_hashing,
    clock_ctx,
    make_browser,
)
from tests.editions_data import import_letters
from tests.review_support import ADMIN, APPROVER, COORDINATOR, MONTH, edition, people
from tests.test_send_support import NOW, add_contacts, person

__all__ = ["browser", "cheap_hashing", "clock_ctx", "edition", "make_browser", "people"]

pytestmark = pytest.mark.usefixtures("cheap_hashing", "people", "edition")
APPROVED_BY = approval.Approver(APPROVER, (APPROVER,), APPROVER)


def _change(ctx: ClockContext) -> None:
    text = export_edition(ctx, MONTH).text.replace("kerromme", "kerromme nyt", 1)
    path = ctx.settings.var_dir / f"{MONTH}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    ctx.advance(minutes=5)
    import_letters(ctx, path, by=COORDINATOR)


def _ledger(ctx: ClockContext, month: str, ids: list[int], state: str) -> list[int]:
    rows = [
        {
            "edition": month,
            "contact_id": cid,
            "email": f"c{cid}@kunta.example",
            "region": "hyks",
            "language": "fi",
            "state": state,
            "delivery_id": f"d-{month}-{cid}",
            "queued_at": NOW,
            "accepted_at": NOW if state == "accepted" else None,
        }
        for cid in ids
    ]
    with ctx.engine.begin() as conn:
        conn.execute(sa.insert(deliveries), rows)
        pks = conn.execute(sa.select(deliveries.c.id).where(deliveries.c.edition == month))
        return [int(pk) for (pk,) in pks]


def test_the_dashboard_lists_the_edition_as_a_draft_and_keeps_the_admin_links(
    browser: Browser,
) -> None:
    browser.log_in(ADMIN)
    html = browser.get("/").text
    assert '<a href="/editions/2026-11' in html and "state-draft" in html
    assert 'href="/audit"' in html and 'href="/bounces"' in html
    assert "Ei avoimia muistutuksia." in html


def test_states_and_the_lapsed_approval_reminder(clock_ctx: ClockContext) -> None:
    approval.approve(clock_ctx, MONTH, APPROVED_BY)
    [line] = dashboard(clock_ctx).editions
    assert (line.state, line.approved_by, line.revision) == (EditionState.APPROVED, APPROVER, 1)
    _change(clock_ctx)
    board = dashboard(clock_ctx)
    assert board.editions[0].state is EditionState.DRAFT
    [reminder] = board.reminders
    assert reminder.kind is ReminderKind.APPROVAL_LAPSED
    assert reminder.values == {
        "approved": "1", "approver": APPROVER, "latest": "2", "author": COORDINATOR,
    }  # fmt: skip


def test_the_reminder_reads_as_a_sentence_on_the_page(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    approval.approve(clock_ctx, MONTH, APPROVED_BY)
    _change(clock_ctx)
    browser.log_in(APPROVER)  # Swedish
    html = browser.get("/").text
    assert f"{APPROVER} godkände version 1, men {COORDINATOR} har ändrat brevet" in html
    assert 'href="/editions/2026-11/approval"' in html


def test_a_near_planned_send_of_a_draft_is_a_reminder_and_approval_schedules_it(
    clock_ctx: ClockContext,
) -> None:
    sync_schedules(clock_ctx)
    fire = next(f for job in list_jobs(clock_ctx) for f in job.upcoming if f.role == "send")
    if fire.edition != MONTH:
        new_edition(clock_ctx, fire.edition, COORDINATOR, source=MONTH)
    clock_ctx.clock = fire.at - timedelta(days=2)
    board = dashboard(clock_ctx)
    line = next(e for e in board.editions if e.month == fire.edition)
    assert line.state is EditionState.DRAFT and line.next_send == fire.at
    assert [(r.kind, r.month) for r in board.reminders] == [
        (ReminderKind.SEND_NOT_APPROVED, fire.edition)
    ]
    approval.approve(clock_ctx, fire.edition, APPROVED_BY, override="a copy, for the test")
    board = dashboard(clock_ctx)
    line = next(e for e in board.editions if e.month == fire.edition)
    assert line.state is EditionState.SCHEDULED and board.reminders == []


def test_the_latest_send_figures_and_the_register_per_region(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    ids = add_contacts(clock_ctx.engine, [person(i) for i in range(30)])
    with clock_ctx.engine.begin() as conn:
        conn.execute(sa.update(sa.table("contacts", sa.column("id"), sa.column("status")))
                     .where(sa.column("id") == ids[0]).values(status="stale"))  # fmt: skip
    pks = _ledger(clock_ctx, MONTH, ids[:6], "accepted")
    _ledger(clock_ctx, MONTH, ids[6:8], "failed")
    with clock_ctx.engine.begin() as conn:
        conn.execute(
            sa.insert(events),
            [
                {"sg_event_id": f"e{n}", "event_type": kind, "raw_type": kind, "occurred_at": NOW,
                 "received_at": NOW, "source": "webhook", "delivery_pk": pk, "raw": {}}
                for n, (pk, kind) in enumerate(
                    [(pks[0], "delivered"), (pks[1], "delivered"), (pks[2], "bounce"),
                     (pks[2], "bounce")]
                )
            ],
        )  # fmt: skip
    board = dashboard(clock_ctx)
    assert board.editions[0].state is EditionState.SENT
    figures = board.latest
    assert figures is not None
    assert (figures.month, figures.planned, figures.accepted, figures.failed) == (MONTH, 8, 6, 2)
    assert (figures.delivered, figures.bounced) == (2, 1)  # two bounce events, one letter
    hyks = board.regions["hyks"]
    assert hyks["stale"] == 1 and sum(sum(r.values()) for r in board.regions.values()) == 30
    browser.log_in(COORDINATOR)
    html = browser.get("/").text
    assert 'id="latest-send"' in html and "state-sent" in html and "Vanhentunut" in html


def test_contacts_waiting_for_approval_are_a_reminder_linking_to_pending(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    assert not [r for r in dashboard(clock_ctx).reminders if r.month == ""]
    add_contacts(clock_ctx.engine, [person(1, status="pending"), person(2, status="pending")])
    add_contacts(clock_ctx.engine, [person(3)])  # an active one is no reason to remind
    [waiting] = [r for r in dashboard(clock_ctx).reminders if r.month == ""]
    assert (waiting.kind, waiting.values) == (ReminderKind.CONTACTS_PENDING, {"count": "2"})
    browser.log_in(COORDINATOR)
    page = browser.get("/").text
    assert (
        '<a href="/pending">2 uutta yhteyshenkilöä odottaa hyväksyntää: '
        "he eivät saa kirjettä ennen sitä.</a>"
    ) in page
    admin = Browser(browser.client)
    admin.log_in(ADMIN)  # an admin cannot act on /pending: no reminder for them
    assert 'href="/pending"' not in admin.get("/").text
