"""Issue 14's journey in headless Chromium against the real service, with axe-core on every
page: a coordinator logs in, starts next month's letter from last month's, edits a Finnish and a
Swedish text, sees the check's problem next to the field, fixes it, previews the ten variants,
sends a test to a colleague; an approver approves; the schedule shows the month approved.
Screenshots at 1280 and 375 px go to /tmp (reviewed by hand, never committed)."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path
from typing import Any

import pytest

from mailer.core.accounts import UserRole
from mailer.pipeline import Context
from mailer.pipeline.editions.check import approval_status
from mailer.pipeline.editions.revisions import revision_history
from mailer.pipeline.roster import import_rosters
from tests.accounts_support import PASSWORD, cheap_hashing, make_user
from tests.editions_data import import_letters
from tests.test_browser_review import violations
from tests.test_browser_workspace import SHOTS, browser_context, service, tab_to

__all__ = ["browser_context", "cheap_hashing", "service"]  # fixtures, for pytest

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cheap_hashing")]

SAMPLE = Path(__file__).resolve().parent.parent / "letters" / "2026-11.yaml"
COORDINATOR = "kaisa.koordinaattori@vip.example"
APPROVER = "bo.berg@vip.example"
ROSTER = (
    "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta;Kieli\n"
    "Aino;Aalto;aino.aalto@espoo.example;Espoon kaupunki;049;fi\n"
    "Dan;Ek;dan.ek@esbo.example;Esbo stad;049;sv\n"
)


def _check(page: Any, name: str) -> None:
    """axe on the page at desktop width and on a phone, with a screenshot of each."""
    assert page.locator("html").get_attribute("lang") == "fi", name
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert violations(page) == [], f"{name} at {width} px"
        page.screenshot(path=str(SHOTS / f"vipu-journey-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _log_in(page: Any, service: str, address: str) -> None:
    page.goto(f"{service}/login?lang=fi")
    tab_to(page, "email")
    page.keyboard.type(address)
    tab_to(page, "password")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{service}/"


def _save(page: Any) -> None:
    with page.expect_navigation():
        page.click("#save-top")


def _outbox_tests(ctx: Context) -> list[Any]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in ctx.settings.outbox_dir.rglob("*.eml")
    ]


def test_a_coordinator_writes_next_months_letter_and_an_approver_approves_it(
    browser_context: Any, ctx: Context, service: str, tmp_path: Path
) -> None:
    roster = tmp_path / "rosteri.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    import_rosters(ctx, [roster])
    import_letters(ctx, SAMPLE, by="Testi Tuoja")
    make_user(ctx, COORDINATOR, UserRole.COORDINATOR, name="Kaisa Koordinaattori")
    make_user(ctx, APPROVER, UserRole.APPROVER, name="Bo Berg")
    page = browser_context.new_page()

    _log_in(page, service, COORDINATOR)
    _check(page, "dashboard")

    # next month's letter from last month's
    page.goto(f"{service}/editions")
    _check(page, "editions")
    page.fill("#new-month", "2026-12")
    page.select_option("#new-from", "2026-11")
    with page.expect_navigation():
        page.click("form[action='/editions/new'] button[type=submit]")
    assert "/editions/2026-12" in page.url
    _check(page, "new-edition")

    # a Finnish and a Swedish text; the Swedish subject still names November: the check says so
    page.goto(f"{service}/editions/2026-12/edit")
    _check(page, "editor")
    page.fill("#f-subject-fi", "Joulukuu 2026: vuoden viimeinen kirje")
    page.fill("#f-intro-sv", "I decemberbrevet ser vi tillbaka på hösten.")
    _save(page)
    problem = page.locator("[id^='f-subject-sv-p']")
    assert problem.count() >= 1, "no problem shown next to the Swedish subject"
    assert "f-subject-sv-p" in (
        page.locator("#f-subject-sv").get_attribute("aria-describedby") or ""
    )
    _check(page, "editor-problem")

    page.fill("#f-subject-sv", "December 2026: årets sista brev")
    _save(page)
    assert page.locator("[id^='f-subject-sv-p']").count() == 0
    history = revision_history(ctx, "2026-12")
    latest = history[0]
    assert {"subject.fi", "subject.sv", "intro.sv"} <= {c for r in history for c in r.changes or []}
    assert "årets sista brev" in latest.text

    # the ten variants, and a test to a colleague
    page.goto(f"{service}/editions/2026-12/preview")
    assert page.locator("iframe").count() == 10
    _check(page, "preview")
    page.goto(f"{service}/editions/2026-12/test-send")
    _check(page, "test-send")
    page.fill("#addresses", "bo.berg@vip.example")
    page.check("#variant-hyks-sv")
    with page.expect_navigation():
        page.click("#send-test")
    assert page.locator("#sent").is_visible()
    _check(page, "test-sent")
    [test_letter] = [m for m in _outbox_tests(ctx) if "bo.berg@vip.example" in str(m["To"])]
    assert "årets sista brev" in str(test_letter["Subject"])
    assert approval_status(ctx, "2026-12").state != "approved"

    page.locator("header form button").click()  # log out

    # the approver (not the author of the revision) approves, by keyboard
    _log_in(page, service, APPROVER)
    page.goto(f"{service}/editions/2026-12/approval")
    _check(page, "approval")
    tab_to(page, "note")
    page.keyboard.type("Tarkistettu, hyvä kirje.")
    page.locator("#approve").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert approval_status(ctx, "2026-12").state == "approved"
    _check(page, "approved")

    # when it goes out
    page.goto(f"{service}/schedule")
    assert "2026-12" in page.locator("main").inner_text()
    _check(page, "schedule")
    page.goto(f"{service}/editions/2026-12/send")
    _check(page, "send")
