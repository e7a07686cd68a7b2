"""An edition's send page in-process on both backends: the recipients per variant without
writing anything, the confirmation step, "send now" running in the background exactly once
(two confirms send once), the refusal of an unapproved edition, roles and CSRF, the progress
from the ledger and the report per region x language."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from mailer.core.accounts import AuditAction
from mailer.pipeline.audit import audit_page
from mailer.store.tables import deliveries
from mailer.web.sending import sends_of_app
from tests.accounts_support import (
    Browser,
    ClockContext,
    browser,
    cheap_hashing,
    clock_ctx,
    csrf_of,
    make_browser,
)
from tests.sending_support import (
    ADMIN,
    APPROVER,
    COORDINATOR,
    add_edition,
    add_people,
    add_recipients,
)

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

pytestmark = pytest.mark.usefixtures("cheap_hashing")

MONTH = "2026-12"


@pytest.fixture
def edition(clock_ctx: ClockContext, tmp_path: Path) -> None:
    add_people(clock_ctx)
    add_edition(clock_ctx, tmp_path, MONTH)
    add_recipients(clock_ctx)


def _ledger_rows(browser: Browser) -> int:
    with browser.context.engine.connect() as conn:
        stmt = sa.select(sa.func.count()).where(deliveries.c.edition == MONTH)
        return int(conn.execute(stmt).scalar_one())


def _outbox(browser: Browser) -> list[Path]:
    return sorted((browser.context.settings.outbox_dir / MONTH).glob("*.eml"))


def _cell(html: str, variant: str, column: str) -> str:
    row = html.split(f'data-variant="{variant}"', 1)[1].split("</tr>", 1)[0]
    return row.split(f'class="num {column}">', 1)[1].split("<", 1)[0]


def _confirm(browser: Browser) -> int:
    token = csrf_of(browser.get(f"/editions/{MONTH}/send/confirm").text)
    return browser.post(f"/editions/{MONTH}/send", {"csrf_token": token}).status_code


def _wait(browser: Browser) -> None:
    """Join the send thread (no sleeping: the test waits for the thread itself)."""
    sends_of_app(browser.client.app).join(timeout=60)


def test_the_send_page_counts_the_recipients_per_variant_without_writing_anything(
    browser: Browser, edition: None
) -> None:
    browser.log_in(COORDINATOR)
    page = browser.get(f"/editions/{MONTH}/send")
    assert page.status_code == 200
    html = page.text
    assert _cell(html, "hyks-fi", "recipients") == "2"
    assert _cell(html, "total", "recipients") == "20"
    assert _cell(html, "total", "to-send") == "20"
    assert _ledger_rows(browser) == 0
    assert "/send/confirm" not in html  # a coordinator does not send
    assert "Lähetyksen käynnistää hyväksyjä." in html


def test_the_confirmation_step_shows_the_counts_and_asks_before_sending(
    browser: Browser, edition: None
) -> None:
    browser.log_in(APPROVER)
    html = browser.get(f"/editions/{MONTH}/send").text
    assert f'href="/editions/{MONTH}/send/confirm"' in html
    confirm = browser.get(f"/editions/{MONTH}/send/confirm")
    assert confirm.status_code == 200
    assert '<span class="confirm-total">20</span>' in confirm.text
    assert f'action="/editions/{MONTH}/send"' in confirm.text
    assert _ledger_rows(browser) == 0 and _outbox(browser) == []


def test_two_confirms_send_every_letter_exactly_once_into_the_outbox(
    browser: Browser, edition: None
) -> None:
    browser.log_in(APPROVER)
    assert _confirm(browser) == 303
    assert _confirm(browser) == 303  # a second click (or one after the first send finished)
    _wait(browser)
    assert _confirm(browser) == 303
    _wait(browser)
    assert len(_outbox(browser)) == 20
    html = browser.get(f"/editions/{MONTH}/send").text
    assert _cell(html, "total", "accepted") == "20"
    assert _cell(html, "total", "to-send") == "0"
    assert 'http-equiv="refresh"' not in html  # nothing running: no reload
    sent = [r for r in audit_page(browser.context).rows if r.action is AuditAction.SENT]
    assert {r.actor for r in sent} == {APPROVER} and all(r.target == MONTH for r in sent)
    assert any(r.detail.startswith("20 accepted") for r in sent)


def test_the_report_per_region_and_language_appears_once_sent(
    browser: Browser, edition: None
) -> None:
    browser.log_in(APPROVER)
    assert "report.csv" not in browser.get(f"/editions/{MONTH}/send").text
    _confirm(browser)
    _wait(browser)
    html = browser.get(f"/editions/{MONTH}/send").text
    report = html.split('class="edition-report"', 1)[1]
    assert _cell(report, "oys-sv", "planned") == "2"
    assert _cell(report, "oys-sv", "accepted") == "2"
    assert _cell(report, "total", "accepted") == "20"
    assert 'class="badge state-sent"' in html
    csv = browser.get(f"/editions/{MONTH}/report.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert f'filename="edition-{MONTH}.csv"' in csv.headers["content-disposition"]


def test_an_unapproved_edition_is_refused_and_nothing_is_sent(
    browser: Browser, clock_ctx: ClockContext, tmp_path: Path
) -> None:
    add_people(clock_ctx)
    add_edition(clock_ctx, tmp_path, MONTH, approve=False)
    add_recipients(clock_ctx)
    browser.log_in(APPROVER)
    html = browser.get(f"/editions/{MONTH}/send").text
    assert "/send/confirm" not in html and 'class="badge state-draft"' in html
    token = csrf_of(browser.get(f"/editions/{MONTH}/send/confirm").text)
    refused = browser.post(f"/editions/{MONTH}/send", {"csrf_token": token})
    assert refused.status_code == 409
    assert "never approved" in refused.text
    _wait(browser)
    assert _ledger_rows(browser) == 0 and _outbox(browser) == []


def test_roles_and_csrf_guard_the_send(browser: Browser, edition: None) -> None:
    assert browser.get(f"/editions/{MONTH}/send").headers["location"] == "/login"
    browser.log_in(COORDINATOR)
    assert browser.get(f"/editions/{MONTH}/send/confirm").status_code == 403
    token = csrf_of(browser.get(f"/editions/{MONTH}/send").text)
    assert browser.post(f"/editions/{MONTH}/send", {"csrf_token": token}).status_code == 403
    approver = browser
    approver.post("/logout", {"csrf_token": token})
    approver.log_in(APPROVER)
    assert approver.post(f"/editions/{MONTH}/send", {}).status_code == 403
    _wait(browser)
    assert _ledger_rows(browser) == 0


def test_an_admin_sees_the_report_page_and_a_missing_edition_is_not_found(
    browser: Browser, edition: None
) -> None:
    browser.log_in(ADMIN)
    page = browser.get(f"/editions/{MONTH}/send")
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert browser.get("/editions/2031-01/send").status_code == 404
    assert browser.get("/editions/2031-1/send").status_code == 404


def test_progress_is_read_from_the_ledger_while_a_send_runs(
    browser: Browser, edition: None
) -> None:
    """A send half-way (some rows accepted, some queued, one in a batch being sent): the page
    shows each state per variant, and reloads itself while this process is sending."""
    from mailer.pipeline.send.planning import plan_ledger

    ctx = browser.context
    plan_ledger(ctx, MONTH, None, None, dry_run=False)
    with ctx.engine.begin() as conn:
        d = deliveries.c
        hyks_fi = (d.edition == MONTH, d.region == "hyks", d.language == "fi")
        ids = [r.id for r in conn.execute(sa.select(d.id).where(*hyks_fi).order_by(d.id))]
        conn.execute(
            sa.update(deliveries).where(deliveries.c.id == ids[0]).values(state="accepted")
        )
    browser.log_in(APPROVER)
    html = browser.get(f"/editions/{MONTH}/send").text
    assert _cell(html, "hyks-fi", "accepted") == "1"
    assert _cell(html, "hyks-fi", "queued") == "1"
    assert _cell(html, "total", "queued") == "19"


@pytest.mark.parametrize(
    "month",
    [
        'x"; filename=evil.html',
        "2026-11%0A",
        "%D9%A2%D9%A0%D9%A2%D9%A6-11",  # Arabic-Indic digits
        "2026-13",
    ],
)
def test_the_report_csv_takes_only_a_real_month_into_its_file_name(
    browser: Browser, edition: None, month: str
) -> None:
    browser.log_in(APPROVER)
    response = browser.get(f"/editions/{month}/report.csv")
    assert response.status_code == 404
    assert "content-disposition" not in response.headers
    assert browser.get(f"/editions/{month}/send").status_code == 404
