"""The pages people look at, in headless Chromium against the real service on loopback: the
old admin contact pages behind HTTP Basic, and the unsubscribe page in the contact's language."""

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


def test_admin_contacts_after_http_login(chromium: Any, ctx: Context, service: str) -> None:
    """The old contact pages keep HTTP Basic until the workspace's register replaces them (the
    bounce report moved into the workspace: tests/test_browser_sending.py)."""
    build_scene(ctx.engine)
    anonymous = chromium.new_context()
    try:
        response = anonymous.request.get(f"{service}/admin/contacts")
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
        response = page.goto(f"{service}/admin/contacts")
        assert response.status == 200
        # the stylesheet is allowed by the CSP hash: the header bar really is styled
        background = page.locator("header.site").evaluate(
            "el => getComputedStyle(el).backgroundColor"
        )
        assert background == "rgb(8, 70, 132)"
        page.goto(f"{service}/admin/contacts?q=anna.virtanen")
        page.click("table.register tbody a")
        page.wait_for_url("**/admin/contacts/*")
        assert "550 5.1.1" in page.locator("body").inner_text()
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
