"""axe-core (vendored under tests/vendor/axe-core) in headless Chromium: no serious or critical
violation in any letter variant, light or dark, nor in the preview index; and the letter's own
accessibility promises checked directly (headings, 44 px buttons, no hidden preheader)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mailer.config import Settings
from mailer.core.edition.letter import all_variants
from mailer.core.models import Variant
from mailer.pipeline import Context
from mailer.pipeline.editions.preview import write_preview
from tests.editions_data import import_letters

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("a11y")
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'editions.db'}",
        letters_dir=ROOT / "letters",
        templates_dir=ROOT / "templates",
        schedules_dir=ROOT / "schedules",
        var_dir=tmp / "var",
    )
    ctx = Context(settings)
    import_letters(ctx, settings.letters_dir)
    return write_preview(ctx, "2026-11", tmp / "preview")


def _axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def _open(chromium: Any, path: Path, width: int, scheme: str) -> Any:
    page = chromium.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    # Letters must not depend on the network: only the preview's own files load.
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
    )
    page.goto(path.as_uri(), wait_until="load")
    return page


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("variant", all_variants(), ids=lambda v: v.key)
def test_axe_finds_no_serious_violation_in_a_letter(
    chromium: Any, preview: Path, variant: Variant, scheme: str
) -> None:
    page = _open(chromium, preview.parent / f"{variant.key}.html", 600, scheme)
    try:
        assert _axe(page) == []
    finally:
        page.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_axe_finds_no_serious_violation_in_the_preview_index(
    chromium: Any, preview: Path, width: int
) -> None:
    page = _open(chromium, preview, width, "light")
    try:
        assert _axe(page) == []
        scroll_width, inner_width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width
    finally:
        page.close()


def test_the_axe_harness_reports_a_contrast_failure(chromium: Any, tmp_path: Path) -> None:
    page_file = tmp_path / "bad.html"
    page_file.write_text(
        '<!doctype html><html lang="fi"><head><title>x</title></head><body><main><h1>Otsikko</h1>'
        '<p style="color:#cccccc;background:#ffffff">Vaalea teksti</p></main></body></html>',
        encoding="utf-8",
    )
    page = _open(chromium, page_file, 600, "light")
    try:
        assert [v["id"] for v in _axe(page)] == ["color-contrast"]
    finally:
        page.close()


def test_a_letter_has_real_headings_tall_buttons_and_a_visible_preheader(
    chromium: Any, preview: Path
) -> None:
    page = _open(chromium, preview.parent / "tyks-sv.html", 375, "light")
    try:
        headings = page.evaluate(
            "[...document.querySelectorAll('h1, h2, h3')].map(h => [h.tagName, h.innerText])"
        )
        assert [tag for tag, _ in headings].count("H1") == 1
        assert headings[0] == ["H1", "VIPU-månadsbrev · november 2026"]
        assert ["H2", "Evenemang"] in headings
        assert any(tag == "H3" and text.startswith("19.11.2026") for tag, text in headings)
        heights = page.evaluate(
            "[...document.querySelectorAll('.letter-button a')]"
            ".map(a => a.getBoundingClientRect().height)"
        )
        assert heights and min(heights) >= 44
        # the preheader is the letter's first visible text, nothing hidden carries text
        first = page.evaluate("document.body.innerText.trim().split('\\n')[0]")
        assert first.startswith("Utbildningsstyrelsens enkät")
        hidden = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.textContent.trim() && "
            "(getComputedStyle(e).display === 'none' || getComputedStyle(e).opacity === '0'))"
            ".length"
        )
        assert hidden == 0
    finally:
        page.close()


def test_the_dark_palette_applies_when_the_reader_prefers_dark(
    chromium: Any, preview: Path
) -> None:
    colours = {}
    for scheme in ("light", "dark"):
        page = _open(chromium, preview.parent / "hyks-fi.html", 600, scheme)
        try:
            colours[scheme] = page.evaluate(
                "[getComputedStyle(document.querySelector('.letter-body')).backgroundColor,"
                " getComputedStyle(document.querySelector('h2')).color]"
            )
        finally:
            page.close()
    assert colours["light"] == ["rgb(238, 242, 245)", "rgb(11, 61, 92)"]
    assert colours["dark"] == ["rgb(18, 28, 36)", "rgb(230, 237, 243)"]
