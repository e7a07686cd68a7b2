"""The review pages in headless Chromium against the real service: preview, test send and
approval pass axe-core (no serious or critical violation) in Finnish, Swedish and English, at
desktop and phone width, also with the test send's errors showing; an approver approves with
the keyboard only."""

from __future__ import annotations

from typing import Any

import pytest

from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline import Context
from mailer.pipeline.editions.check import approval_status
from tests.accounts_support import PASSWORD, cheap_hashing, make_user
from tests.editions_data import import_letters
from tests.review_support import MONTH, SAMPLE
from tests.test_browser_workspace import (
    AXE,
    BLOCKING,
    SHOTS,
    browser_context,
    focus_outline,
    service,
    tab_to,
)

__all__ = ["browser_context", "cheap_hashing", "service"]

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cheap_hashing")]

AUTHOR = "kaisa.koordinaattori@vip.example"
APPROVER = "bo.berg@vip.example"


def violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations of the page itself: the letters in their
    sandboxed frames run no script (axe included), and test_render_browser checks them."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {iframes: false})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def _log_in(page: Any, service: str, email: str) -> None:
    page.goto(f"{service}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{service}/")


def _people(ctx: Context, language: UiLanguage) -> None:
    make_user(ctx, AUTHOR, UserRole.COORDINATOR, name="Kaisa Koordinaattori")
    make_user(ctx, APPROVER, UserRole.APPROVER, name="Bo Berg", language=language)
    import_letters(ctx, SAMPLE, by=AUTHOR)


@pytest.mark.parametrize("language", list(UiLanguage))
def test_preview_test_send_and_approval_pass_axe(
    browser_context: Any, ctx: Context, service: str, language: UiLanguage
) -> None:
    _people(ctx, language)
    page = browser_context.new_page()
    _log_in(page, service, APPROVER)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{service}/editions/{MONTH}/preview" + ("?width=mobile" if width < 400 else ""))
        assert page.locator("html").get_attribute("lang") == language.value
        assert page.locator("iframe.letter").count() == 10
        assert violations(page) == [], width
        page.screenshot(
            path=str(SHOTS / f"vipu-review-preview-{language.value}-{width}.png"), full_page=True
        )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{service}/editions/{MONTH}/test-send")
    assert violations(page) == []
    page.fill("#addresses", "ok@vip.example, not-an-address")
    page.locator("#send-test").click()
    page.wait_for_load_state()
    assert page.locator("#addresses").get_attribute("aria-invalid") == "true"
    assert "not-an-address" in page.locator("#addresses-error").inner_text()
    assert violations(page) == []
    page.goto(f"{service}/editions/{MONTH}/approval")
    assert page.locator("#approve").count() == 1
    assert page.locator("#request-approval").count() == 1  # a draft: others may be asked
    assert violations(page) == []
    page.locator("#request-approval").click()
    page.wait_for_load_state()
    assert page.locator("p.notice[role=status]").is_visible()
    assert violations(page) == []  # with the notice


def test_an_approver_approves_with_the_keyboard_only(
    browser_context: Any, ctx: Context, service: str
) -> None:
    _people(ctx, UiLanguage.FI)
    page = browser_context.new_page()
    page.goto(f"{service}/login")
    tab_to(page, "email")
    page.keyboard.type(APPROVER)
    tab_to(page, "password")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{service}/editions/{MONTH}/approval")
    tab_to(page, "note")
    assert focus_outline(page) != "none"
    page.keyboard.type("Linkit ja päivämäärät tarkistettu.")
    tab_to(page, "approve")
    assert focus_outline(page) != "none"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("[role=status]").is_visible()
    assert page.locator("#edition-state").inner_text() == "Hyväksytty"
    assert violations(page) == []
    status = approval_status(ctx, MONTH)
    assert status.state == "approved" and status.note == "Linkit ja päivämäärät tarkistettu."
    assert status.approved_by == APPROVER
    page.screenshot(path=str(SHOTS / "vipu-review-approved.png"), full_page=True)
    tab_to(page, "unapprove")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert approval_status(ctx, MONTH).state == "draft"
