"""The pages people look at, in headless Chromium against the real service on loopback: the
unsubscribe page in the contact's language."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailer.pipeline import Context
from mailer.web.app import create_app
from tests.live_server import serve
from tests.reports_data import add_contact, history_rows, status_of
from tests.test_unsubscribe import _token

pytestmark = pytest.mark.browser

PASSWORD = "selain-testi-2026"
SHOTS = Path("/tmp")


@pytest.fixture
def service(ctx: Context) -> Iterator[str]:
    """uvicorn serving the app in a thread; yields its base URL."""
    settings = ctx.settings.model_copy(update={"webhook_unsigned_dev": True})
    with serve(lambda _port: create_app(settings, Context(settings, ctx.engine))) as url:
        yield url


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
