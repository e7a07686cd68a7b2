"""The editor's live check in headless Chromium against the real service: a problem typed into a
field appears beside it without saving (under the page's own CSP, which forbids inline scripts)
and goes when it is fixed; the focus and the text stay where they were; axe-core finds no serious
or critical violation with the live notes showing; no check runs after Save, and an answer
overtaken by a later one is dropped. Waits are Playwright's waits on elements, never sleeps; the
600 ms pause runs on Playwright's clock where the test needs to hold it."""

from __future__ import annotations

from typing import Any

import pytest

from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline import Context
from mailer.pipeline.editions.revisions import revision_history
from tests.accounts_support import PASSWORD, cheap_hashing, make_user
from tests.editions_data import import_letters
from tests.test_browser_editor import SAMPLE_LETTER
from tests.test_browser_workspace import SHOTS, axe_violations, browser_context, service

__all__ = ["browser_context", "cheap_hashing", "service"]  # fixtures, for pytest

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cheap_hashing")]

EDIT = "/editions/2026-11/edit"
URL_FIELD = "#f-national-1-link-url"
HTTP_LINK = "http://vipu.example/uutinen"
HTTPS_LINK = "https://vipu.example/uutinen"
# Holds every check the page sends until the test lets it go (window.__checks[i].go()), so the
# test decides in which order the answers arrive; window.__read counts the answers the script has
# read (it has acted on one by the time a later task sees the count).
HELD_FETCH = """
window.__checks = [];
window.__read = 0;
const realFetch = window.fetch.bind(window);
window.fetch = (url, options) => new Promise((resolve, reject) => {
  const go = () => realFetch(url, options).then((response) => {
    const read = response.text.bind(response);
    response.text = () => read().then((body) => { window.__read += 1; return body; });
    resolve(response);
  }, reject);
  window.__checks.push({ go });
});
"""


def _expect() -> Any:
    return pytest.importorskip("playwright.sync_api").expect


def _log_in(page: Any, service: str, email: str) -> None:
    page.goto(f"{service}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{service}/")


def _retype(page: Any, selector: str, text: str) -> None:
    page.click(selector)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def test_a_bad_link_shows_beside_its_field_as_typed_and_goes_when_fixed(
    chromium: Any, ctx: Context, service: str
) -> None:
    expect = _expect()
    import_letters(ctx, SAMPLE_LETTER)
    make_user(ctx, "kaisa@vip.example", UserRole.COORDINATOR, name="Kaisa Koordinaattori")
    context = chromium.new_context(viewport={"width": 1280, "height": 900})  # CSP enforced
    try:
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        _log_in(page, service, "kaisa@vip.example")
        page.goto(service + EDIT)
        note = page.locator("#f-national-1-link-url-p1")
        field = page.locator(URL_FIELD)
        _retype(page, URL_FIELD, HTTP_LINK)
        expect(note).to_contain_text(f"Linkki ”{HTTP_LINK}” ei ole täydellinen https://-osoite.")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_attribute(
            "aria-describedby", "f-national-1-link-url-hint f-national-1-link-url-p1"
        )
        expect(page.locator("#check-status")).to_have_text("1 ongelma")
        # nothing moved the focus or touched the text; nothing was saved
        assert page.evaluate("() => document.activeElement.id") == "f-national-1-link-url"
        expect(field).to_have_value(HTTP_LINK)
        assert page.url == service + EDIT
        assert len(revision_history(ctx, "2026-11")) == 1
        _retype(page, URL_FIELD, HTTPS_LINK)
        expect(note).to_have_count(0)
        expect(page.locator("#check-status")).to_have_text("Ei ongelmia")
        expect(field).not_to_have_attribute("aria-invalid", "true")
        expect(field).to_have_attribute("aria-describedby", "f-national-1-link-url-hint")
        expect(field).to_have_value(HTTPS_LINK)
        assert len(revision_history(ctx, "2026-11")) == 1
        assert not [line for line in console if "Content Security Policy" in line], console
    finally:
        context.close()


def test_a_removed_swedish_text_shows_in_swedish_and_the_page_passes_axe(
    browser_context: Any, ctx: Context, service: str
) -> None:
    expect = _expect()
    import_letters(ctx, SAMPLE_LETTER)
    make_user(ctx, "bo@vip.example", UserRole.COORDINATOR, name="Bo Berg", language=UiLanguage.SV)
    page = browser_context.new_page()
    _log_in(page, service, "bo@vip.example")
    page.goto(service + EDIT)
    title = page.locator("#f-national-0-title-sv")
    kept = title.input_value()
    title.fill("")
    expect(page.locator("#f-national-0-title-sv-p1")).to_have_text("Fel: Texten är tom.")
    expect(page.locator("#check-status")).to_have_text("1 problem")
    expect(title).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
    page.locator("#f-national-0").screenshot(path=str(SHOTS / "vipu-editor-live-check-sv.png"))
    title.fill(kept)
    expect(page.locator("#f-national-0-title-sv-p1")).to_have_count(0)
    expect(page.locator("#check-status")).to_have_text("Inga problem")
    assert len(revision_history(ctx, "2026-11")) == 1


def test_no_check_runs_after_save_and_an_overtaken_answer_is_dropped(
    browser_context: Any, ctx: Context, service: str
) -> None:
    expect = _expect()
    import_letters(ctx, SAMPLE_LETTER)
    make_user(ctx, "kaisa@vip.example", UserRole.COORDINATOR, name="Kaisa Koordinaattori")
    page = browser_context.new_page()
    _log_in(page, service, "kaisa@vip.example")
    page.add_init_script(HELD_FETCH)
    page.clock.install()
    page.goto(service + EDIT)
    held = "() => window.__checks.length"
    _retype(page, URL_FIELD, HTTP_LINK)
    page.clock.run_for(300)
    assert page.evaluate(held) == 0  # still typing: no check yet
    page.clock.run_for(400)
    page.wait_for_function(f"{held} === 1")
    _retype(page, URL_FIELD, HTTPS_LINK)
    page.clock.run_for(700)
    page.wait_for_function(f"{held} === 2")
    page.evaluate("() => window.__checks[1].go()")  # the later answer first: no problems
    expect(page.locator("#check-status")).to_have_text("Ei ongelmia")
    page.evaluate("() => window.__checks[0].go()")  # then the overtaken one, with the problem
    page.wait_for_function("() => window.__read === 2")
    assert page.locator("#f-national-1-link-url-p1").count() == 0
    assert page.locator(URL_FIELD).get_attribute("aria-invalid") is None
    assert page.locator("#check-status").text_content() == "Ei ongelmia"
    # typed, then saved before the pause ends (the test keeps the page: the browser submits
    # the form, our listener stops the navigation), the clock runs on: no check goes out
    page.evaluate(
        "() => document.querySelector('form.editor')"
        ".addEventListener('submit', (event) => event.preventDefault())"
    )
    _retype(page, URL_FIELD, HTTP_LINK)
    page.click("#save-top")
    page.clock.run_for(2000)
    assert page.evaluate(held) == 2
