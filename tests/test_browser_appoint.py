"""The appointment pages in headless Chromium against the real service: an organisation fills
in the form with the keyboard alone (in Swedish, errors first), the appointee confirms from the
link in their letter, and the coordinator's /appointments page; axe-core finds no serious or
critical violation on any of them."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from typing import Any

import pytest

from mailer.core.accounts import UserRole
from mailer.pipeline import Context
from mailer.pipeline.appointments.requests import (
    appointment_link,
    list_requests,
    request_appointments,
)
from mailer.pipeline.contacts import unsubscribe_contact
from mailer.pipeline.roster import import_rosters
from tests.accounts_support import PASSWORD, cheap_hashing, make_user
from tests.test_browser_workspace import axe_violations, browser_context, service, tab_to

__all__ = ["browser_context", "cheap_hashing", "service"]  # fixtures, for pytest

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cheap_hashing")]

ROSTER = (
    "Förnamn;Efternamn;E-post;Organisation;Kommun;Organisationens e-post\n"
    "Dan;Ek;dan.ek@esbo.example;Esbo stad;049;registratur@esbo.example\n"
)


def _confirm_path(ctx: Context, to: str) -> str:
    for path in ctx.settings.outbox_dir.rglob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if to in str(message["To"]):
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            found = re.search(r"https?://\S+?(/appoint/confirm/\S+)", body.get_content())
            assert found is not None
            return found.group(1)
    raise AssertionError(f"no letter to {to}")


def _type_into(page: Any, element_id: str, text: str) -> None:
    tab_to(page, element_id)
    page.keyboard.type(text)


def test_an_organisation_appoints_by_keyboard_and_the_appointee_confirms(
    browser_context: Any, ctx: Context, service: str, tmp_path: Path
) -> None:
    roster = tmp_path / "rosteri.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    import_rosters(ctx, [roster])
    unsubscribe_contact(ctx, "dan.ek@esbo.example", note="left")
    request_appointments(ctx)
    [request] = list_requests(ctx)
    path = appointment_link(ctx, request.request_id).removeprefix(ctx.settings.public_url)

    page = browser_context.new_page()
    page.goto(f"{service}{path}?lang=sv")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert axe_violations(page) == []
    _type_into(page, "support_first_name", "Sara")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the last name and the address are missing
    assert page.locator("#support_email").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    _type_into(page, "support_last_name", "Sund")
    _type_into(page, "support_email", "sara.sund@esbo.example")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Tack, utnämningen har tagits emot"
    assert axe_violations(page) == []

    page.goto(f"{service}{_confirm_path(ctx, 'sara.sund@esbo.example')}")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert axe_violations(page) == []
    tab_to_button(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Tack, uppdraget är bekräftat"
    assert axe_violations(page) == []

    make_user(ctx, "kaisa.koordinaattori@vip.example", UserRole.COORDINATOR)
    page.goto(f"{service}/login?lang=fi")
    _type_into(page, "email", "kaisa.koordinaattori@vip.example")
    _type_into(page, "password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{service}/appointments")
    assert "sara.sund@esbo.example" in page.locator("table").inner_text()
    assert axe_violations(page) == []


def tab_to_button(page: Any) -> None:
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.tagName") == "BUTTON":
            return
    pytest.fail("the confirm button cannot be reached with the Tab key")
