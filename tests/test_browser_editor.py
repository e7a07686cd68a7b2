"""The workspace editor in headless Chromium against the real service: axe-core finds no serious
or critical violation on the editions list, the overview, the history and the editor in fi, sv
and en (also with errors showing), and a keyboard-only user edits a text and saves it.
Screenshots at 1280 and 375 px go to /tmp, never into the repository."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline import Context
from mailer.pipeline.editions.revisions import revision_history
from tests.accounts_support import PASSWORD, cheap_hashing, make_user
from tests.editions_data import import_letters
from tests.test_browser_workspace import (
    SHOTS,
    axe_violations,
    browser_context,
    focus_outline,
    service,
    tab_to,
)

__all__ = ["browser_context", "cheap_hashing", "service"]  # fixtures, for pytest

SAMPLE_LETTER = Path(__file__).resolve().parent.parent / "letters" / "2026-11.yaml"

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cheap_hashing")]


def _log_in(page: Any, service: str, email: str) -> None:
    page.goto(f"{service}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{service}/")


@pytest.mark.parametrize("language", list(UiLanguage))
def test_the_edition_pages_pass_axe_in_every_language_at_both_widths(
    browser_context: Any, ctx: Context, service: str, language: UiLanguage
) -> None:
    import_letters(ctx, SAMPLE_LETTER)
    email = f"kaisa.{language.value}@vip.example"
    make_user(ctx, email, UserRole.COORDINATOR, name="Kaisa Koordinaattori", language=language)
    page = browser_context.new_page()
    _log_in(page, service, email)
    for path in ("/editions", "/editions/2026-11", "/editions/2026-11/history",
                 "/editions/2026-11/edit"):  # fmt: skip
        page.goto(service + path)
        assert page.locator("html").get_attribute("lang") == language.value
        assert axe_violations(page) == [], path
    page.screenshot(path=str(SHOTS / f"vipu-editor-{language.value}-1280.png"), full_page=True)
    page.screenshot(path=str(SHOTS / f"vipu-editor-{language.value}-1280-top.png"))
    # with an error and a check problem showing, on a phone
    page.set_viewport_size({"width": 375, "height": 800})
    page.fill("#f-national-0-title-sv", "")
    page.fill("#f-subject-fi", "Joulukuu 2026")
    page.click("#save-top")
    assert page.locator("#f-national-0-title-sv").get_attribute("aria-invalid") == "true"
    assert page.locator(".error-summary a[href='#f-national-0-title-sv']").count() == 1
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / f"vipu-editor-{language.value}-375.png"), full_page=True)
    page.screenshot(path=str(SHOTS / f"vipu-editor-{language.value}-375-top.png"))


def test_a_keyboard_only_user_edits_a_swedish_text_and_saves(
    browser_context: Any, ctx: Context, service: str
) -> None:
    import_letters(ctx, SAMPLE_LETTER)
    make_user(ctx, "kaisa@vip.example", UserRole.COORDINATOR, name="Kaisa Koordinaattori")
    page = browser_context.new_page()
    _log_in(page, service, "kaisa@vip.example")
    page.goto(f"{service}/editions/2026-11/edit")
    tab_to(page, "f-subject-fi")
    assert focus_outline(page) != "none"
    page.keyboard.press("Tab")  # the Swedish column comes right after the Finnish one
    assert page.evaluate("() => document.activeElement.id") == "f-subject-sv"
    assert page.evaluate("() => document.activeElement.lang") == "sv"
    page.keyboard.press("End")
    page.keyboard.type(" (uppdaterad)")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in a field presses the form's first button: Save
    assert page.url.endswith("/editions/2026-11/edit?done=saved")
    assert page.locator(".notice").is_visible()
    latest = revision_history(ctx, "2026-11")[0]
    assert latest.number == 2 and latest.changes == ["subject.sv"]
    assert "(uppdaterad)" in latest.text
    # an item added with the keyboard: the new item's first field has the focus
    page.locator("button[value='add:themes']").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "f-themes-3-title-fi"
    assert len(revision_history(ctx, "2026-11")) == 2
