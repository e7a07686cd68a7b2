"""The official MJML validator (mjml-browser 4.15.3, vendored under tests/vendor) accepts the MJML
source of every letter variant: no illegal attribute, no misplaced element. Runs in headless
Chromium, since mjml-browser is built for browsers."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import pytest

from mailer.core.edition.catalogue import parse_catalogue
from mailer.core.edition.content import parse_edition
from mailer.core.edition.letter import all_variants, build_view
from mailer.core.edition.render import html_tokens, make_environment, render_mjml

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
VALIDATOR = Path(__file__).resolve().parent / "vendor" / "mjml-browser" / "mjml-browser.js"
HELSINKI = ZoneInfo("Europe/Helsinki")

# strict: any validation error throws, listing every error
_VALIDATE = """src => {
  try {
    return mjml(src, {validationLevel: 'strict'}).errors.map(e => e.formattedMessage);
  } catch (err) {
    return (err.errors || [err]).map(e => e.formattedMessage || String(e));
  }
}"""


def _sources() -> dict[str, str]:
    path = ROOT / "letters" / "2026-11.yaml"
    edition = parse_edition(path.read_text(encoding="utf-8"), str(path), zone=HELSINKI)
    env = make_environment(jinja2.FileSystemLoader(ROOT / "templates" / "letter"))
    sources = {}
    for variant in all_variants():
        catalogue_file = ROOT / "templates" / "i18n" / f"{variant.language.value}.yaml"
        catalogue = parse_catalogue(catalogue_file.read_text(encoding="utf-8"), str(catalogue_file))
        view = build_view(
            edition,
            variant,
            catalogue,
            zone=HELSINKI,
            sender_address="PL 1",
            browser_url=f"https://vipu.example/archive/2026-11/{variant.region}/{variant.language}",
        )
        sources[variant.key] = render_mjml(env, view, variant, html_tokens())
    return sources


@pytest.fixture(scope="module")
def validator(chromium: Any) -> Any:
    page = chromium.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(path=str(VALIDATOR))
    yield page
    page.close()


def test_every_variant_passes_the_official_mjml_validation(validator: Any) -> None:
    for key, source in _sources().items():
        assert validator.evaluate(_VALIDATE, source) == [], key


def test_the_validator_refuses_an_illegal_attribute(validator: Any) -> None:
    source = next(iter(_sources().values())).replace("<mj-button ", '<mj-button bogus="1" ', 1)
    errors = validator.evaluate(_VALIDATE, source)
    assert any("Attribute bogus is illegal" in e for e in errors)
