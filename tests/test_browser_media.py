"""The image library in headless Chromium: a coordinator uploads an image with the keyboard,
sees it listed with the address to paste into the letter, and axe-core finds no serious or
critical violation on /media, also with an upload's error showing; the image itself loads."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline import Context
from tests.accounts_support import PASSWORD, cheap_hashing, make_user
from tests.test_browser_workspace import SHOTS, axe_violations, browser_context, service, tab_to

__all__ = ["browser_context", "cheap_hashing", "service"]

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cheap_hashing")]


@pytest.mark.parametrize("language", [UiLanguage.FI, UiLanguage.SV])
def test_keyboard_only_image_upload_passes_axe(
    browser_context: Any, ctx: Context, service: str, tmp_path: Path, language: UiLanguage
) -> None:
    make_user(ctx, "kaisa@vip.example", UserRole.COORDINATOR, language=language)
    picture = tmp_path / "syysretki.png"
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (11, 92, 173)).save(out, format="PNG")
    picture.write_bytes(out.getvalue())
    not_a_picture = tmp_path / "muistio.png"
    not_a_picture.write_text("ei kuva", encoding="utf-8")

    page = browser_context.new_page()
    page.goto(f"{service}/login")
    page.fill("#email", "kaisa@vip.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{service}/media")
    assert page.locator("html").get_attribute("lang") == language.value
    assert axe_violations(page) == []

    for upload, ok in ((not_a_picture, False), (picture, True)):
        tab_to(page, "media-file")
        # the file dialog is the operating system's: fill the focused control as it would
        page.locator("#media-file:focus").set_input_files(str(upload))
        page.keyboard.press("Tab")  # the upload button
        with page.expect_navigation():
            page.keyboard.press("Enter")
        if not ok:
            assert page.locator("#media-file").get_attribute("aria-invalid") == "true"
            assert axe_violations(page) == []  # with the error showing
    assert page.locator(".notice").is_visible()
    image = page.locator("ul.media-library img").first
    assert image.evaluate("img => img.complete && img.naturalWidth") == 300
    assert page.locator("input.media-url").first.input_value().endswith(".png")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(SHOTS / f"vipu-media-{language.value}-375.png"), full_page=True)
