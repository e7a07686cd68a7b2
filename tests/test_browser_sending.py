"""The schedule, send and bounce pages in headless Chromium against the real service on loopback,
in fi, sv and en: axe-core (vendored) finds no serious or critical violation, and an approver
sends an edition with the keyboard only, through the confirmation step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline import Context
from mailer.pipeline.schedules.jobs import sync_schedules
from mailer.web.app import create_app
from mailer.web.sending import sends_of_app
from tests.accounts_support import PASSWORD, cheap_hashing, make_user
from tests.live_server import serve
from tests.reports_data import build_scene
from tests.sending_support import add_edition, add_recipients
from tests.test_browser_workspace import axe_violations, browser_context, service, tab_to

__all__ = ["browser_context", "cheap_hashing", "service"]  # fixtures, for pytest

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cheap_hashing")]

SHOTS = Path("/tmp")
MONTH = "2026-12"


@pytest.fixture
def served(ctx: Context) -> Iterator[tuple[str, list[FastAPI]]]:
    """The service like `service`, and its app (to wait for its background send)."""
    apps: list[FastAPI] = []

    def make_app(port: int) -> FastAPI:
        settings = ctx.settings.model_copy(
            update={"public_url": f"http://127.0.0.1:{port}", "webhook_unsigned_dev": True}
        )
        apps.append(create_app(settings, Context(settings, ctx.engine)))
        return apps[-1]

    with serve(make_app) as url:
        yield url, apps


def _log_in(page: Any, service: str, email: str) -> None:
    page.goto(f"{service}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{service}/")


@pytest.mark.parametrize("language", list(UiLanguage))
def test_the_schedule_send_and_bounce_pages_pass_axe(
    browser_context: Any, ctx: Context, service: str, tmp_path: Path, language: UiLanguage
) -> None:
    make_user(ctx, "bo.berg@vip.example", UserRole.APPROVER, name="Bo Berg", language=language)
    build_scene(ctx.engine)  # stale and suspect contacts, a sent edition 2026-03
    add_edition(ctx, tmp_path, MONTH)
    sync_schedules(ctx)
    page = browser_context.new_page()
    _log_in(page, service, "bo.berg@vip.example")
    for path in ("/schedule", f"/editions/{MONTH}/send", "/editions/2026-03/send"):
        page.goto(f"{service}{path}")
        assert page.locator("html").get_attribute("lang") == language.value
        assert axe_violations(page) == [], path
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=str(SHOTS / f"vipu-{name}-{language.value}.png"), full_page=True)
    page.goto(f"{service}/editions/{MONTH}/send/confirm")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{service}/schedule")
    assert axe_violations(page) == []
    # the bounce report is for admins only
    make_user(ctx, "aino.admin@vip.example", UserRole.ADMIN, name="Aino Admin", language=language)
    browser_context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, service, "aino.admin@vip.example")
    page.goto(f"{service}/bounces")
    assert page.locator("html").get_attribute("lang") == language.value
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / f"vipu-bounces-{language.value}.png"), full_page=True)


def test_an_approver_sends_now_with_the_keyboard_only(
    browser_context: Any, ctx: Context, served: tuple[str, list[FastAPI]], tmp_path: Path
) -> None:
    service, apps = served
    make_user(ctx, "bo.berg@vip.example", UserRole.APPROVER, name="Bo Berg")
    add_edition(ctx, tmp_path, MONTH)
    add_recipients(ctx)
    page = browser_context.new_page()
    _log_in(page, service, "bo.berg@vip.example")
    page.goto(f"{service}/editions/{MONTH}/send")
    link = page.locator(f'a[href="/editions/{MONTH}/send/confirm"]')
    link.evaluate("el => el.id = 'send-now'")  # an id for tab_to; the page needs none
    tab_to(page, "send-now")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".confirm-total").inner_text() == "20"
    assert axe_violations(page) == []
    button = page.locator(f'form[action="/editions/{MONTH}/send"] button[type="submit"]')
    button.evaluate("el => el.id = 'confirm-send'")
    tab_to(page, "confirm-send")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{service}/editions/{MONTH}/send"
    # the send runs in a thread of the service: wait for it, then a plain reload shows it done
    sends_of_app(apps[0]).join(timeout=120)
    page.reload()
    assert page.locator('tr[data-variant="total"] td.accepted').first.inner_text() == "20"
    assert len(list((ctx.settings.outbox_dir / MONTH).glob("*.eml"))) == 20
    assert axe_violations(page) == []
