"""Stage 1 (Jinja2 -> MJML -> HTML once per variant) and stage 2 (tokens per recipient)."""

from __future__ import annotations

import re
import shutil
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pytest

from mailer.config import Settings
from mailer.core.edition.catalogue import parse_catalogue, role_labels
from mailer.core.edition.content import parse_edition
from mailer.core.edition.letter import all_variants, build_view
from mailer.core.edition.render import (
    MAX_HTML_BYTES,
    html_problems,
    make_environment,
    personalise,
    render_letter,
    text_problems,
)
from mailer.core.errors import TemplateError
from mailer.core.models import CompiledVariant, Language, Recipient, Region, Role, Variant
from mailer.pipeline import Context
from mailer.pipeline.editions.check import compile_edition
from tests.editions_data import import_letters

ROOT = Path(__file__).resolve().parent.parent
LETTERS = Path(__file__).resolve().parent / "fixtures" / "letters"
HELSINKI = ZoneInfo("Europe/Helsinki")
SENDER = "VIP-verkosto, PL 1, 00100 Helsinki"


def _context(tmp_path: Path, letters: Path, templates: Path = ROOT / "templates") -> Context:
    # The edition comes from the database: the letters are imported into a fresh SQLite file.
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'editions.db'}",
        letters_dir=letters,
        templates_dir=templates,
        var_dir=tmp_path / "var",
        sender_address=SENDER,
        public_url="https://vipu.example",
    )
    ctx = Context(settings)
    import_letters(ctx, letters)
    return ctx


def _letters_with(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "letters"
    folder.mkdir(exist_ok=True)
    (folder / "2026-11.yaml").write_text(text, encoding="utf-8")
    return folder


def _recipient(**changes: str) -> Recipient:
    values = {
        "delivery_id": "d-1",
        "email": "ebba.ek@raasepori.example",
        "first_name": "Ebba",
        "last_name": "Ek",
        "organisation": "Ek & Åberg <skola>",
        "role": Role.WELFARE,
        "unsubscribe_url": "https://vipu.example/u/abc?x=1&y=2",
        "unsubscribe_mailto": "mailto:unsubscribe@vip-verkosto.example?subject=unsubscribe-abc",
        "page_url": "https://vipu.example/p/abc?x=1&y=2",
    }
    values.update(changes)
    return Recipient.model_validate(values)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[Variant, CompiledVariant]:
    tmp = tmp_path_factory.mktemp("compiled")
    return compile_edition(_context(tmp, ROOT / "letters"), "2026-11")


def test_all_ten_variants_compile_with_their_language(
    compiled: dict[Variant, CompiledVariant],
) -> None:
    assert set(compiled) == set(all_variants())
    for variant, letter in compiled.items():
        assert re.search(rf'<html lang="{variant.language.value}"', letter.html)
        assert html_problems(letter.html, variant.language.value) == []
        assert text_problems(letter.text) == []
        assert letter.role_labels.keys() == {r.value for r in Role}


def test_each_region_gets_its_own_news_and_not_the_others(
    compiled: dict[Variant, CompiledVariant],
) -> None:
    tyks = compiled[Variant(region=Region.TYKS, language=Language.SV)]
    assert "Tvåspråkig fortbildningsdag i Vasa" in tyks.text
    assert "Distansträff för VIPU-kontaktpersoner i OYS-området" not in tyks.text
    oys = compiled[Variant(region=Region.OYS, language=Language.FI)]
    assert "OYS-alueen VIPU-etätapaaminen" in oys.html
    assert "Vaasan yliopisto" not in oys.html


def test_stage_two_gives_exactly_what_rendering_per_recipient_gives(
    compiled: dict[Variant, CompiledVariant],
) -> None:
    """The token shortcut is only valid if it is indistinguishable from the naive way."""
    path = ROOT / "letters" / "2026-11.yaml"
    edition = parse_edition(path.read_text(encoding="utf-8"), str(path), zone=HELSINKI)
    env = make_environment(jinja2.FileSystemLoader(ROOT / "templates" / "letter"))
    recipient = _recipient()
    for variant in all_variants():
        catalogue_path = ROOT / "templates" / "i18n" / f"{variant.language.value}.yaml"
        catalogue = parse_catalogue(catalogue_path.read_text(encoding="utf-8"), "cat")
        [own] = re.findall(r'href="([^"]*/archive/[^"]*)"', compiled[variant].html)
        view = build_view(
            edition, variant, catalogue, zone=HELSINKI, sender_address=SENDER, browser_url=own
        )
        values = {
            "first_name": recipient.first_name,
            "last_name": recipient.last_name,
            "organisation": recipient.organisation,
            "role": role_labels(catalogue)[recipient.role.value],
            "unsubscribe_url": recipient.unsubscribe_url,
            "page_url": recipient.page_url,
        }
        naive_html, naive_text = render_letter(env, view, variant, values, values)
        message = personalise(compiled[variant], recipient)
        assert message.html == naive_html, variant.key
        assert message.text == naive_text, variant.key


@pytest.mark.parametrize("language", list(Language))
def test_footer_says_why_with_role_and_organisation_and_offers_unsubscribe(
    compiled: dict[Variant, CompiledVariant], language: Language
) -> None:
    letter = compiled[Variant(region=Region.HYKS, language=language)]
    message = personalise(letter, _recipient())
    why = {
        Language.FI: ("VIPU-yhdyshenkilöksi", "opiskeluhuoltopalvelut"),
        Language.SV: ("VIPU-kontaktperson", "elev- och studerandevårdens tjänster"),
    }[language]
    for part in why:
        assert part in message.html and part in message.text
    assert "Ek &amp; Åberg &lt;skola&gt;" in message.html
    assert "Ek & Åberg <skola>" in message.text
    assert 'href="https://vipu.example/u/abc?x=1&amp;y=2"' in message.html
    assert "https://vipu.example/u/abc?x=1&y=2" in message.text
    assert "PL 1, 00100 Helsinki" in message.html and "PL 1, 00100 Helsinki" in message.text


def test_html_is_autoescaped_and_text_is_not(tmp_path: Path) -> None:
    text = (LETTERS / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("fi: Uutinen", 'fi: "Koti & koulu <yhdessä>"')
    ctx = _context(tmp_path, _letters_with(tmp_path, text))
    letter = compile_edition(ctx, "2026-11")[Variant(region=Region.KYS, language=Language.FI)]
    assert "Koti &amp; koulu &lt;yhdessä&gt;" in letter.html
    assert "<yhdessä>" not in letter.html
    assert "Koti & koulu <yhdessä>" in letter.text


def test_every_image_gets_its_alt_text_in_the_variant_language(tmp_path: Path) -> None:
    text = (LETTERS / "minimal.yaml").read_text(encoding="utf-8")
    image = (
        "    image:\n      src: https://vip-verkosto.example/kuva.png\n"
        "      alt: {fi: Lapsia koulun pihalla, sv: Barn på skolgården}\n"
    )
    anchor = "      sv: Läs [mer](https://vip-verkosto.example/sv/nyhet).\n"
    assert anchor in text
    text = text.replace(anchor, anchor + image)
    compiled = compile_edition(_context(tmp_path, _letters_with(tmp_path, text)), "2026-11")
    sv = compiled[Variant(region=Region.TYKS, language=Language.SV)]
    assert re.search(r'<img [^>]*alt="Barn på skolgården"', sv.html)
    assert html_problems(sv.html, "sv") == []


def _templates_copy(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", target, ignore=shutil.ignore_patterns("web"))
    return target


@pytest.mark.parametrize(
    ("partial", "old", "new", "expected"),
    [
        ("footer.mjml.j2", "t.footer.why", "t.footer.whyy", "has no attribute 'whyy'"),
        ("header.mjml.j2", "{{ month_label }}", "{{ month_lable }}", "'month_lable' is undefined"),
        ("events.mjml.j2", "{% endif %}", "{% endfi %}", "endfi"),
    ],
)
def test_a_template_typo_names_the_template_and_line(
    tmp_path: Path, partial: str, old: str, new: str, expected: str
) -> None:
    templates = _templates_copy(tmp_path)
    path = templates / "letter" / "partials" / partial
    source = path.read_text(encoding="utf-8")
    assert old in source
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    line = next(i for i, text in enumerate(source.splitlines(), 1) if old in text)
    ctx = _context(tmp_path, ROOT / "letters", templates)
    with pytest.raises(TemplateError) as caught:
        compile_edition(ctx, "2026-11")
    message = str(caught.value)
    assert expected in message
    assert f"{partial}:{line}" in message


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ('<html lang="fi"><body><img src="https://a.example/x.png"></body></html>', "without alt"),
        ('<html lang="fi"><body><img src="x" alt=""></body></html>', "without alt"),
        ('<html lang="sv"><body>x</body></html>', "expected 'fi'"),
        ('<html lang="fi"><a href="http://a.example/">a</a></html>', "not an absolute https"),
        ('<html lang="fi"><a href="/relative">a</a></html>', "not an absolute https"),
        ('<html lang="fi"><mj-colum>x</mj-colum></html>', "left unrendered: mj-colum"),
        ('<html lang="fi">%%h:frist_name%%</html>', "unknown recipient token %%h:frist_name%%"),
        ('<html lang="fi">%%t:first_name%%</html>', "unknown recipient token %%t:first_name%%"),
        ('<html lang="fi">' + "x" * MAX_HTML_BYTES + "</html>", "Gmail clips"),
    ],
)
def test_html_problems_are_found(html: str, problem: str) -> None:
    problems = html_problems(html, "fi")
    assert any(problem in p for p in problems), problems


def test_clean_html_has_no_problems() -> None:
    html = (
        '<html lang="fi"><img src="https://a.example/x.png" alt="Logo">'
        '<a href="https://a.example/">a</a><a href="%%h:unsubscribe_url%%">b</a>'
        '<a href="mailto:a@b.example">c</a>%%h:first_name%%</html>'
    )
    assert html_problems(html, "fi") == []


def _hand_built(html: str, text: str) -> CompiledVariant:
    """A compiled letter of only the given bodies, with Finnish role labels."""
    return CompiledVariant(
        edition="2026-11",
        variant=Variant(region=Region.KYS, language=Language.FI),
        subject="s",
        preheader="p",
        html=html,
        text=text,
        role_labels={"welfare": "opiskeluhuoltopalvelut", "other": "muu tehtävä"},
    )


def test_stage_two_fills_every_token_and_leaves_unknown_ones_visible() -> None:
    letter = _hand_built(
        html="<p>%%h:first_name%% %%h:organisation%% %%h:frist_name%% %%h:first_name%%</p>",
        text="%%t:first_name%% %%t:role%% %%h:first_name%%",
    )
    message = personalise(letter, _recipient(first_name="Åsa & Ali"))
    assert message.html == (
        "<p>Åsa &amp; Ali Ek &amp; Åberg &lt;skola&gt; %%h:frist_name%% Åsa &amp; Ali</p>"
    )
    assert message.text == "Åsa & Ali opiskeluhuoltopalvelut Åsa &amp; Ali"


@pytest.mark.parametrize(
    ("role", "title", "shown"),
    [
        (Role.OTHER, "erityisopettaja & <kuraattori>", "erityisopettaja & <kuraattori>"),
        (Role.OTHER, None, "muu tehtävä"),  # no title on the roster: the vocabulary's word
        (Role.WELFARE, "rehtori", "opiskeluhuoltopalvelut"),  # a known role keeps its label
    ],
)
def test_the_footer_names_the_rosters_job_title_for_the_role_other(
    role: Role, title: str | None, shown: str
) -> None:
    letter = _hand_built(html="<p>%%h:role%%</p>", text="%%t:role%%")
    recipient = _recipient().model_copy(update={"role": role, "title": title})
    message = personalise(letter, recipient)
    assert message.text == shown
    assert message.html == f"<p>{escape(shown, quote=True)}</p>"
