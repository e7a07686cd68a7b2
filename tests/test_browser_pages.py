"""The pages people look at, in headless Chromium against the real service on loopback: the
admin bounce report behind HTTP Basic, and the unsubscribe page in the contact's language."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from mailer.pipeline import Context
from mailer.web.app import create_app
from tests.live_server import serve
from tests.reports_data import add_contact, build_scene, history_rows, status_of
from tests.test_unsubscribe import _token

pytestmark = pytest.mark.browser

PASSWORD = "selain-testi-2026"
SHOTS = Path("/tmp")


@pytest.fixture
def service(ctx: Context) -> Iterator[str]:
    """uvicorn serving the app in a thread; yields its base URL."""
    settings = ctx.settings.model_copy(
        update={"admin_password": SecretStr(PASSWORD), "webhook_unsigned_dev": True}
    )
    with serve(lambda _port: create_app(settings, Context(settings, ctx.engine))) as url:
        yield url


def test_admin_bounce_report_after_http_login(chromium: Any, ctx: Context, service: str) -> None:
    build_scene(ctx.engine)
    # Without credentials the service challenges (a headless browser has nobody to ask, so
    # this goes through the context's request API rather than a page navigation).
    anonymous = chromium.new_context()
    try:
        response = anonymous.request.get(f"{service}/admin/bounces")
        assert response.status == 401
        assert response.headers["www-authenticate"].startswith("Basic")
    finally:
        anonymous.close()
    context = chromium.new_context(
        http_credentials={"username": "admin", "password": PASSWORD},
        viewport={"width": 1280, "height": 900},
    )
    try:
        page = context.new_page()
        response = page.goto(f"{service}/admin/bounces")
        assert response.status == 200
        assert page.title() == "Bounce report – vipu-mailer admin"
        row = page.locator("#region-hyks table.stale-contacts tbody tr")
        assert row.count() == 1
        assert "anna.virtanen@espoo.example" in row.inner_text()
        assert "5.1.1" in row.inner_text()
        orphans = page.locator("#region-hyks table.orphans tbody tr")
        assert orphans.count() == 2
        # the stylesheet is allowed by the CSP hash: the header bar really is styled
        background = page.locator("header.site").evaluate(
            "el => getComputedStyle(el).backgroundColor"
        )
        assert background == "rgb(8, 70, 132)"
        page.screenshot(path=str(SHOTS / "vipu-admin-bounces.png"), full_page=True)
        # filters work without JavaScript: a plain GET form
        page.select_option("select[name=region]", "tyks")
        page.click("form.filters button")
        page.wait_for_url("**/admin/bounces?region=tyks*")
        assert page.locator("section").count() == 1
        assert "pekka.salo@turku.example" in page.content()
        page.goto(f"{service}/admin/")
        assert page.locator(".stat .n").first.inner_text() == "2"  # stale contacts
        page.screenshot(path=str(SHOTS / "vipu-admin-overview.png"), full_page=True)
        page.click("text=2026-03")
        page.wait_for_url("**/admin/editions/2026-03")
        total = page.locator("table.edition-figures tr.total td")
        assert total.nth(2).inner_text() == "1"  # planned
        page.screenshot(path=str(SHOTS / "vipu-admin-edition.png"), full_page=True)
        page.goto(f"{service}/admin/bounces")
        page.click("#region-hyks table.stale-contacts a")
        page.wait_for_url("**/admin/contacts/*")
        assert "550 5.1.1" in page.locator("body").inner_text()
        page.screenshot(path=str(SHOTS / "vipu-admin-contact.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{service}/admin/contacts")
        page.screenshot(path=str(SHOTS / "vipu-admin-contacts-mobile.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("language", "heading", "button", "done"),
    [
        (
            "sv",
            "Vill du sluta få VIPU-månadsbrevet?",
            "Avsluta prenumerationen",
            "Prenumerationen är avslutad",
        ),
        (
            "fi",
            "Haluatko lopettaa VIPU-kuukausikirjeen tilauksen?",
            "Peru tilaus",
            "Tilaus on peruttu",
        ),
    ],
)
def test_unsubscribe_page_speaks_the_contacts_language_and_its_button_unsubscribes(
    chromium: Any, ctx: Context, service: str, language: str, heading: str, button: str, done: str
) -> None:
    with ctx.engine.begin() as conn:
        contact = add_contact(
            conn, "karin.lindqvist@borga.example", language=language, municipality="638"
        )
    token = _token(ctx, contact)
    context = chromium.new_context(viewport={"width": 414, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{service}/u/{token}")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").inner_text() == heading
        assert status_of(ctx.engine, contact) == "active"  # looking changes nothing
        page.screenshot(path=str(SHOTS / f"vipu-unsubscribe-{language}.png"), full_page=True)
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == done
        assert page.locator("html").get_attribute("lang") == language
        page.screenshot(path=str(SHOTS / f"vipu-unsubscribed-{language}.png"), full_page=True)
    finally:
        context.close()
    assert status_of(ctx.engine, contact) == "unsubscribed"
    assert history_rows(ctx.engine, contact)[0]["source"] == "web-form"


def test_a_forged_link_shows_the_bilingual_not_found_page(chromium: Any, service: str) -> None:
    context = chromium.new_context(viewport={"width": 414, "height": 800})
    try:
        page = context.new_page()
        response = page.goto(f"{service}/u/MQ.forged-signature")
        assert response.status == 404
        assert page.locator("h1").all_inner_texts() == [
            "Linkki ei ole voimassa",
            "Länken är inte giltig",
        ]
        assert page.locator("form").count() == 0
        page.screenshot(path=str(SHOTS / "vipu-unsubscribe-404.png"), full_page=True)
    finally:
        context.close()
