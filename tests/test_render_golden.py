"""Golden renders: all 10 variants (HTML and text) of a fixed edition for a fixed recipient.

A change in templates, catalogues, Markdown or date formatting shows up here as a diff to
review. Regenerate on purpose only: `pytest tests/test_render_golden.py --regen-golden`
(or REGEN_GOLDEN=1), then read the diff of tests/fixtures/golden/ before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mailer.config import Settings
from mailer.core.edition.letter import all_variants
from mailer.core.edition.render import personalise
from mailer.core.models import Language, OutgoingMessage, Recipient, Role, Variant
from mailer.pipeline import Context
from mailer.pipeline.editions.check import compile_edition
from tests.editions_data import import_letters

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = FIXTURES / "golden"

RECIPIENTS = {
    Language.FI: Recipient(
        delivery_id="golden-fi",
        email="aino.makinen@espoo.example",
        first_name="Aino",
        last_name="Mäkinen",
        organisation="Espoon kaupunki & Kauniainen",
        role=Role.SUPPORT,
        unsubscribe_url="https://vipu.example/u/golden-token-fi",
        unsubscribe_mailto="mailto:unsubscribe@vip-verkosto.example?subject=unsubscribe-golden",
        page_url="https://vipu.example/p/golden-page-fi",
    ),
    Language.SV: Recipient(
        delivery_id="golden-sv",
        email="ebba.lindqvist@raasepori.example",
        first_name="Ebba",
        last_name="Lindqvist",
        organisation="Raseborgs stad <bildning>",
        role=Role.ECEC,
        unsubscribe_url="https://vipu.example/u/golden-token-sv",
        unsubscribe_mailto="mailto:unsubscribe@vip-verkosto.example?subject=unsubscribe-golden",
        page_url="https://vipu.example/p/golden-page-sv",
    ),
}


def _regenerate(config: pytest.Config) -> bool:
    return bool(config.getoption("--regen-golden")) or os.environ.get("REGEN_GOLDEN") == "1"


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, OutgoingMessage]:
    tmp = tmp_path_factory.mktemp("golden")
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'editions.db'}",
        letters_dir=FIXTURES / "letters" / "golden",
        templates_dir=ROOT / "templates",
        var_dir=tmp / "var",
        sender_address="VIP-verkosto, PL 1, 00100 Helsinki",
        timezone="Europe/Helsinki",
        public_url="https://vipu.example",
    )
    ctx = Context(settings)
    import_letters(ctx, settings.letters_dir)
    compiled = compile_edition(ctx, "2026-11")
    return {v.key: personalise(letter, RECIPIENTS[v.language]) for v, letter in compiled.items()}


@pytest.mark.parametrize("suffix", ["html", "txt"])
@pytest.mark.parametrize("variant", all_variants(), ids=lambda v: v.key)
def test_variant_matches_its_golden_render(
    request: pytest.FixtureRequest,
    messages: dict[str, OutgoingMessage],
    variant: Variant,
    suffix: str,
) -> None:
    message = messages[variant.key]
    actual = message.html if suffix == "html" else message.text
    path = GOLDEN / f"{variant.key}.{suffix}"
    if _regenerate(request.config):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run pytest with --regen-golden and review it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{variant.key}.{suffix} differs from {path}; if the change is intended, rerun with "
        "--regen-golden and review the diff"
    )


def test_golden_folder_holds_exactly_the_ten_variants() -> None:
    names = {p.name for p in GOLDEN.iterdir()}
    expected = {f"{v.key}.{s}" for v in all_variants() for s in ("html", "txt")}
    assert names == expected
