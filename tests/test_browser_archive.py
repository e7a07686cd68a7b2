"""The public archive in headless Chromium against the real service on loopback: axe-core finds
no serious or critical violation on /archive/ in each language, and a letter opened from it shows
with its inline styles applied under the letter route's own Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mailer.pipeline import Context
from tests.test_archive import MONTH, _send, work
from tests.test_browser_workspace import axe_violations, browser_context, service

__all__ = ["browser_context", "service", "work"]

pytestmark = [pytest.mark.browser]


@pytest.fixture
def sent(work: Context) -> Context:
    _send(work, 3)
    return work


@pytest.fixture
def strict_context(chromium: Any) -> Iterator[Any]:
    """A browser that obeys the service's CSP (the axe context bypasses it)."""
    context = chromium.new_context(viewport={"width": 1024, "height": 800})
    try:
        yield context
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_archive_listing_passes_axe(
    sent: Context, service: str, browser_context: Any, lang: str
) -> None:
    page = browser_context.new_page()
    page.goto(f"{service}/archive/?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator(f'a[href="/archive/{MONTH}/hyks/fi"]').count() == 1
    assert axe_violations(page) == []


def test_a_letter_opens_from_the_archive_with_its_styles(
    sent: Context, service: str, strict_context: Any
) -> None:
    page = strict_context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{service}/archive/?lang=fi")
    with page.expect_navigation():
        page.locator(f'a[href="/archive/{MONTH}/hyks/fi"]').click()
    assert page.url == f"{service}/archive/{MONTH}/hyks/fi"
    assert page.locator("html").get_attribute("lang") == "fi"
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(238, 242, 245)"  # the letter's inline style="background-color"
    assert blocked == []
