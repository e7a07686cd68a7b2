"""Users and accounts in headless Chromium: an admin invites a colleague with the keyboard only,
the colleague chooses a password through the mailed link and logs in; /users, /account,
/settings, the link's page and "forgot your password" pass axe-core (no serious or critical
violation), also with their errors showing, at 1280 and 375 px."""

from __future__ import annotations

import email
import email.policy
import re
from typing import Any

import pytest

from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline import Context
from mailer.pipeline.workspace_mail import OUTBOX_FOLDER
from tests.accounts_support import PASSWORD, cheap_hashing, make_user
from tests.test_browser_workspace import (
    SHOTS,
    axe_violations,
    browser_context,
    focus_outline,
    service,
    tab_to,
)

__all__ = ["browser_context", "cheap_hashing", "service"]

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cheap_hashing")]

ADMIN = "aino.admin@vip.example"
NEW_PASSWORD = "syyskuun kirje lähtee ajallaan"


def _log_in(page: Any, service: str, address: str, password: str = PASSWORD) -> None:
    page.goto(f"{service}/login")
    page.fill("#email", address)
    page.fill("#password", password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _invitation_link(ctx: Context) -> str:
    (letter,) = (ctx.settings.outbox_dir / OUTBOX_FOLDER).rglob("*.eml")
    mail = email.message_from_bytes(letter.read_bytes(), policy=email.policy.default)
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"(https?://\S+/password/[\w.\-]+)", body.get_content())  # type: ignore[union-attr]
    assert found is not None
    return found.group(1)


def test_keyboard_only_invitation_and_first_password_pass_axe(
    browser_context: Any, ctx: Context, service: str
) -> None:
    make_user(ctx, ADMIN, UserRole.ADMIN, name="Aino Admin")
    page = browser_context.new_page()
    _log_in(page, service, ADMIN)
    page.goto(f"{service}/users")
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "vipu-users-1280.png"), full_page=True)

    tab_to(page, "f-email")
    assert focus_outline(page) != "none"
    page.keyboard.type("not an address")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#f-email").get_attribute("aria-invalid") == "true"
    assert page.locator(".error-summary a").get_attribute("href") == "#f-email"
    assert axe_violations(page) == []  # with the error summary and the field's error

    tab_to(page, "f-email")
    page.keyboard.press("Control+a")
    page.keyboard.type("bo.berg@vip.example")
    tab_to(page, "f-name")
    page.keyboard.type("Bo Berg")
    tab_to(page, "f-role")
    page.keyboard.press("ArrowDown")  # coordinator -> approver
    tab_to(page, "f-language")
    page.keyboard.press("ArrowDown")  # fi -> sv
    page.keyboard.press("Tab")  # the add button
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "bo.berg@vip.example" in page.locator(".notice").inner_text()
    assert axe_violations(page) == []

    # a second person on a phone: their own cookies (the CSP bypass only lets axe in)
    invitee = browser_context.browser.new_context(
        bypass_csp=True, viewport={"width": 375, "height": 800}
    )
    try:
        mobile = invitee.new_page()
        mobile.goto(_invitation_link(ctx))
        assert mobile.locator("html").get_attribute("lang") == "sv"
        assert axe_violations(mobile) == []
        tab_to(mobile, "f-new")
        mobile.keyboard.type("kort")
        tab_to(mobile, "f-again")
        mobile.keyboard.type("kort")
        with mobile.expect_navigation():
            mobile.keyboard.press("Enter")
        assert mobile.locator("#f-new").get_attribute("aria-invalid") == "true"
        assert axe_violations(mobile) == []
        mobile.screenshot(path=str(SHOTS / "vipu-password-link-375.png"), full_page=True)
        mobile.fill("#f-new", NEW_PASSWORD)
        mobile.fill("#f-again", NEW_PASSWORD)
        with mobile.expect_navigation():
            mobile.locator("#f-again").press("Enter")
        assert mobile.locator(".notice").is_visible()  # "log in with the new password"
        mobile.fill("#email", "bo.berg@vip.example")
        mobile.fill("#password", NEW_PASSWORD)
        with mobile.expect_navigation():
            mobile.keyboard.press("Enter")
        assert mobile.url == f"{service}/"
        assert mobile.locator(".who-role").inner_text() == "Godkännare"
    finally:
        invitee.close()


@pytest.mark.parametrize("language", [UiLanguage.FI, UiLanguage.SV, UiLanguage.EN])
def test_account_settings_and_forgot_pages_pass_axe(
    browser_context: Any, ctx: Context, service: str, language: UiLanguage
) -> None:
    make_user(ctx, ADMIN, UserRole.ADMIN, name="Aino Admin", language=language)
    page = browser_context.new_page()
    page.goto(f"{service}/password/forgot?lang={language.value}")
    assert page.locator("html").get_attribute("lang") == language.value
    assert axe_violations(page) == []
    page.fill("#f-email", "nobody@vip.example")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".notice").is_visible()
    assert axe_violations(page) == []
    page.goto(f"{service}/password/not-a-link?lang={language.value}")
    assert axe_violations(page) == []

    _log_in(page, service, ADMIN)
    for path in ("/account", "/settings", "/users"):
        page.goto(f"{service}{path}")
        assert page.locator("html").get_attribute("lang") == language.value
        assert axe_violations(page) == [], path
    page.goto(f"{service}/account")
    page.fill("#f-current", "not the password")
    page.fill("#f-new", NEW_PASSWORD)
    page.fill("#f-again", NEW_PASSWORD)
    with page.expect_navigation():
        page.locator("#f-again").press("Enter")
    assert page.locator("#f-current").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(SHOTS / f"vipu-account-{language.value}-375.png"), full_page=True)
