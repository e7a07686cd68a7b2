"""Each variant's HTML in headless Chromium at desktop (600 px) and phone (375 px) widths:
no horizontal overflow, so nothing is cut off or needs sideways scrolling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mailer.config import Settings
from mailer.core.edition.letter import all_variants
from mailer.core.edition.render import personalise
from mailer.core.models import Language, Recipient, Role, Variant
from mailer.pipeline import Context
from mailer.pipeline.editions.check import compile_edition
from tests.editions_data import import_letters

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = Path("/tmp/vipu-letter-375.png")


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("browser")
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'editions.db'}",
        letters_dir=ROOT / "letters",
        templates_dir=ROOT / "templates",
        var_dir=tmp / "var",
    )
    ctx = Context(settings)
    import_letters(ctx, settings.letters_dir)
    compiled = compile_edition(ctx, "2026-11")
    out: dict[str, str] = {}
    for variant, letter in compiled.items():
        recipient = Recipient(
            delivery_id="browser",
            email="pitka.nimi@example.example",
            # a long unbroken organisation name is the usual cause of overflow on phones
            first_name="Maria-Kristiina",
            last_name="Vähäkangas-Östergård",
            organisation="Perusopetuksenjaoppilashuollonyhteistoimintaorganisaatio Oy",
            role=Role.WELFARE,
            unsubscribe_url="https://vipu.example/u/" + "x" * 80,
            unsubscribe_mailto="mailto:unsubscribe@vip-verkosto.example",
            page_url="https://vipu.example/p/" + "y" * 80,
        )
        out[variant.key] = personalise(letter, recipient).html
    return out


@pytest.mark.parametrize("width", [600, 375])
@pytest.mark.parametrize("variant", all_variants(), ids=lambda v: v.key)
def test_no_horizontal_overflow(
    chromium: Any, pages: dict[str, str], variant: Variant, width: int
) -> None:
    page = chromium.new_page(viewport={"width": width, "height": 800})
    try:
        # Letters must not depend on the network; block everything so nothing hangs.
        page.route("**/*", lambda route: route.abort())
        page.set_content(pages[variant.key], wait_until="domcontentloaded")
        scroll_width, inner_width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width, f"{variant.key} at {width}px: {scroll_width}px wide"
        assert page.evaluate("document.documentElement.lang") == variant.language.value
        if width == 375 and variant == Variant(region="tyks", language=Language.SV):
            page.screenshot(path=str(SCREENSHOT), full_page=True)
    finally:
        page.close()
