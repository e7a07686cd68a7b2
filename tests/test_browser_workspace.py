"""The workspace in headless Chromium against the real service on loopback: log in with the
keyboard only, see the dashboard, log out; axe-core (vendored, tests/vendor/axe-core) finds no
serious or critical violation on /login (also with its errors showing), / and /audit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline import Context
from mailer.web.app import create_app
from tests.accounts_support import PASSWORD, cheap_hashing, make_user
from tests.live_server import serve

__all__ = ["cheap_hashing"]

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cheap_hashing")]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SHOTS = Path("/tmp")
BLOCKING = {"serious", "critical"}
MAX_TABS = 30


@pytest.fixture
def service(ctx: Context) -> Iterator[str]:
    """uvicorn serving the app in a thread (its public URL is its own http address)."""

    def make_app(port: int) -> FastAPI:
        settings = ctx.settings.model_copy(
            update={"public_url": f"http://127.0.0.1:{port}", "webhook_unsigned_dev": True}
        )
        return create_app(settings, Context(settings, ctx.engine))

    with serve(make_app) as url:
        yield url


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, as readable lines."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def tab_to(page: Any, element_id: str) -> None:
    """Press Tab until the element has the focus (as a keyboard user would)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    pytest.fail(f"#{element_id} cannot be reached with the Tab key")


def focus_outline(page: Any) -> str:
    return str(page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle"))


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    # The service's CSP forbids inline scripts (rightly); axe is injected only in tests.
    context = chromium.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    try:
        yield context
    finally:
        context.close()


def test_keyboard_only_login_dashboard_and_logout_pass_axe(
    browser_context: Any, ctx: Context, service: str
) -> None:
    make_user(ctx, "aino.aalto@vip.example", UserRole.ADMIN, name="Aino Aalto")
    page = browser_context.new_page()
    page.goto(f"{service}/login?lang=fi")
    assert page.locator("html").get_attribute("lang") == "fi"
    assert axe_violations(page) == []

    page.keyboard.press("Tab")  # the first stop is the skip link, visible when focused
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0

    tab_to(page, "email")
    assert focus_outline(page) != "none"
    page.keyboard.type("aino.aalto@vip.example")
    tab_to(page, "password")
    page.keyboard.type(PASSWORD + "-wrong")
    with page.expect_navigation():  # the form posts and the answer is a new page
        page.keyboard.press("Enter")
    assert page.locator("#login-error").is_visible()
    assert page.locator("#password").get_attribute("aria-describedby") == "login-error"
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "vipu-workspace-login-error.png"), full_page=True)

    tab_to(page, "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{service}/")
    assert page.locator("h1").inner_text() == "Työtila"
    assert page.locator(".who-name").inner_text() == "Aino Aalto"
    assert page.locator(".who-role").inner_text() == "Ylläpitäjä"
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "vipu-workspace-dashboard.png"), full_page=True)

    page.goto(f"{service}/audit")
    assert page.locator("table.audit tbody tr").count() == 3  # added, failed login, login
    assert axe_violations(page) == []

    page.locator("header form button").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{service}/login")
    page.goto(f"{service}/")
    assert page.url == f"{service}/login"  # the session is gone on the server


@pytest.mark.parametrize("language", [UiLanguage.SV, UiLanguage.EN])
def test_the_login_page_and_dashboard_pass_axe_in_swedish_and_english(
    browser_context: Any, ctx: Context, service: str, language: UiLanguage
) -> None:
    make_user(ctx, "bo.berg@vip.example", UserRole.APPROVER, name="Bo Berg", language=language)
    page = browser_context.new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{service}/login?lang={language.value}")
    assert page.locator("html").get_attribute("lang") == language.value
    assert axe_violations(page) == []
    page.fill("#email", "bo.berg@vip.example")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{service}/")
    assert page.locator("html").get_attribute("lang") == language.value
    assert axe_violations(page) == []
    page.screenshot(
        path=str(SHOTS / f"vipu-workspace-dashboard-{language.value}-375.png"), full_page=True
    )
