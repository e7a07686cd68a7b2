"""The register, a contact, the organisations and the roster upload in headless Chromium
against the real service: axe-core (vendored) finds no serious or critical violation in fi, sv
and en, and a keyboard-only coordinator uploads a roster, reads the preview and commits it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline import Context
from mailer.store.tables import contacts
from tests.accounts_support import PASSWORD, cheap_hashing, make_user
from tests.reports_data import T0, add_contact, add_delivery, add_event
from tests.test_browser_workspace import axe_violations, browser_context, service, tab_to

__all__ = ["browser_context", "cheap_hashing", "service"]  # fixtures, for pytest

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cheap_hashing")]


def _log_in(page: Any, service: str, email: str) -> None:
    page.goto(f"{service}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{service}/")


def _scene(ctx: Context) -> int:
    with ctx.engine.begin() as conn:
        anna = add_contact(conn, "anna.virtanen@espoo.example", title="Rehtori")
        add_contact(
            conn, "stina.lind@borga.example", first_name="Stina", last_name="Lind",
            organisation="Borgå stad", municipality="638", language="sv", status="unsubscribed",
            missing_since=T0,
        )  # fmt: skip
        delivery = add_delivery(conn, anna, "2026-03", accepted_at=T0)
        add_event(conn, "delivered", contact_id=anna, delivery_pk=delivery, edition="2026-03")
    return anna


@pytest.mark.parametrize("language", list(UiLanguage))
def test_register_contact_organisations_and_roster_pages_pass_axe(
    browser_context: Any, ctx: Context, service: str, language: UiLanguage
) -> None:
    email = f"koordinaattori-{language.value}@vip.example"
    make_user(ctx, email, UserRole.COORDINATOR, language=language)
    anna = _scene(ctx)
    page = browser_context.new_page()
    _log_in(page, service, email)
    for path in ("/contacts", "/contacts?status=unsubscribed&missing=1", f"/contacts/{anna}",
                 "/organisations", "/organisations?without=1", "/roster"):  # fmt: skip
        page.goto(f"{service}{path}")
        assert page.locator("html").get_attribute("lang") == language.value
        assert axe_violations(page) == [], path
    page.goto(f"{service}/contacts/{anna}")
    page.screenshot(path=f"/tmp/vipu-register-contact-{language.value}.png", full_page=True)
    page.goto(f"{service}/organisations")
    page.locator("table.organisations tbody th a").first.click()
    assert page.locator("table.members").count() == 1
    assert axe_violations(page) == []
    page.goto(f"{service}/contacts/{anna}")
    page.fill("#c-email", "not an address")
    page.locator("#c-email").press("Enter")
    page.wait_for_load_state()
    assert page.locator("#c-email").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []  # the error summary and the field errors


def test_keyboard_only_roster_upload_preview_and_commit(
    browser_context: Any, ctx: Context, service: str, tmp_path: Path
) -> None:
    make_user(ctx, "kaisa@vip.example", UserRole.COORDINATOR, language=UiLanguage.FI)
    roster = tmp_path / "vipu-rosteri.csv"
    roster.write_text(
        "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta\n"
        "Aino;Aalto;aino.aalto@espoo.example;Espoon kaupunki;049\n"
        "Cai;Carlsson;not-an-address;Kauniaisten kaupunki;235\n",
        encoding="utf-8",
    )
    page = browser_context.new_page()
    _log_in(page, service, "kaisa@vip.example")
    page.goto(f"{service}/roster")
    tab_to(page, "roster-file")
    # The file dialog is the operating system's, not ours: Chromium opens it from the keyboard
    # only now and then in headless mode, so the test fills the focused control as the dialog would.
    page.locator("#roster-file:focus").set_input_files(str(roster))
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the upload button
    assert "/roster/" in page.url
    assert page.locator("table.problems tbody tr").count() == 1
    assert page.locator("table.problems tbody td").nth(1).inner_text() == "3"
    assert axe_violations(page) == []
    page.screenshot(path="/tmp/vipu-register-roster-preview.png", full_page=True)
    with ctx.engine.connect() as conn:  # the preview wrote nothing
        assert conn.execute(sa.select(sa.func.count()).select_from(contacts)).scalar_one() == 0
    tab_to(page, "roster-commit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".roster-created").inner_text() == "1"
    page.screenshot(path="/tmp/vipu-register-roster-done.png", full_page=True)
    assert axe_violations(page) == []
    with ctx.engine.connect() as conn:
        emails = [e for (e,) in conn.execute(sa.select(contacts.c.email))]
    assert emails == ["aino.aalto@espoo.example"]
