"""The compiled letter's problems (template, catalogue, HTML), a letter file that is not YAML and
an upload that is not text speak the workspace's language too: each carries a `CheckCode` and
its values, every code has a text in the fi, sv and en catalogues, and the CLI's English message
is unchanged."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from string import Formatter
from zoneinfo import ZoneInfo

import httpx
import pytest

from mailer.config import Settings
from mailer.core.accounts import UiLanguage, UserRole
from mailer.core.edition.codes import CheckCode
from mailer.core.edition.content import ContentProblem, validate_edition
from mailer.core.edition.render import html_findings, html_problems
from mailer.pipeline import Context
from mailer.pipeline.editions.check import check_edition
from mailer.pipeline.pages import problem_text
from mailer.web.shell import strings
from tests.accounts_support import (
    Browser,
    ClockContext,
    browser,
    cheap_hashing,
    clock_ctx,
    csrf_of,
    make_browser,
    make_user,
)
from tests.editions_data import import_letters

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings(templates_dir=ROOT / "templates")
ZONE = ZoneInfo("Europe/Helsinki")
COORDINATOR = "kaisa.koordinaattori@vip.example"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_every_check_code_has_a_text_in_each_catalogue_naming_the_same_values() -> None:
    catalogues = {language: strings(SETTINGS, language) for language in UiLanguage}
    for code in CheckCode:
        texts = {language: t.get(f"check_{code.value}") for language, t in catalogues.items()}
        assert all(texts.values()), (code, texts)
        assert len({frozenset(_fields(text or "")) for text in texts.values()}) == 1, texts


def _shown(problem: ContentProblem) -> dict[UiLanguage, str]:
    return {language: problem_text(problem, strings(SETTINGS, language)) for language in UiLanguage}


def _localised(problem: ContentProblem) -> None:
    """A coded problem whose fi and sv texts are the catalogue's, every value filled in."""
    assert problem.code in set(CheckCode), problem
    for language, text in _shown(problem).items():
        assert "{" not in text, (language, text)
        if language is not UiLanguage.EN:
            assert text != problem.message, (language, text)


@pytest.fixture
def work(tmp_path: Path) -> Context:
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(ROOT / "letters" / "2026-11.yaml", letters / "2026-11.yaml")
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates, ignore=shutil.ignore_patterns("web"))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'editions.db'}",
        letters_dir=letters,
        templates_dir=templates,
        var_dir=tmp_path / "var",
    )
    work = Context(settings)
    import_letters(work, letters)
    return work


def test_a_template_error_is_framed_in_the_pages_language_with_the_engines_words(
    work: Context,
) -> None:
    footer = work.settings.templates_dir / "letter" / "partials" / "footer.mjml.j2"
    footer.write_text(
        footer.read_text(encoding="utf-8").replace("r.organisation", "r.organization"),
        encoding="utf-8",
    )
    problem = check_edition(work, "2026-11").problems[0]
    assert problem.code == CheckCode.TEMPLATE_ERROR
    assert "footer.mjml.j2:" in problem.message  # the CLI's English, as before
    _localised(problem)
    shown = _shown(problem)
    assert shown[UiLanguage.FI].startswith("Kirjepohjaa ei voi koota tälle versiolle.")
    assert shown[UiLanguage.SV].startswith("Brevmallen kan inte sammanställas")
    assert problem.params["detail"] in shown[UiLanguage.FI]


def test_a_catalogue_error_and_a_missing_revision_have_codes(work: Context) -> None:
    [missing] = check_edition(work, "2027-01").problems
    assert missing.code == CheckCode.REVISION_MISSING
    assert missing.message.startswith("no revision in the database")
    assert _shown(missing)[UiLanguage.FI].startswith("Kuukaudelle 2027-01 ei ole vielä")
    sv = work.settings.templates_dir / "i18n" / "sv.yaml"
    sv.write_text(
        sv.read_text(encoding="utf-8").replace("  sender: Avsändare\n", ""), encoding="utf-8"
    )
    [catalogue] = check_edition(work, "2026-11").problems
    assert catalogue.code == CheckCode.CATALOGUE_INVALID
    _localised(catalogue)


def test_the_compiled_htmls_problems_have_codes_and_the_same_english() -> None:
    html = (
        '<html lang="en"><body><img src="https://x.example/a.png"><mj-column></mj-column>'
        '<a href="http://x.example/">x</a> %%h:shoe_size%%</body></html>'
    )
    found = html_findings(html, "fi")
    assert [f.code for f in found] == [
        CheckCode.HTML_LANG,
        CheckCode.IMAGES_WITHOUT_ALT,
        CheckCode.MJML_UNRENDERED,
        CheckCode.LINK_NOT_HTTPS,
        CheckCode.TOKEN_UNKNOWN,
    ]
    assert html_problems(html, "fi") == [f.message for f in found]
    for f in found:
        coded = {"message": f.message, "code": f.code, "params": f.params}
        _localised(ContentProblem(file="f", line=None, field="html", **coded))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("month: 2026-11\nsubject: [\n", CheckCode.YAML_SYNTAX),
        ("- just\n- a list\n", CheckCode.YAML_NOT_MAPPING),
    ],
)
def test_a_file_that_is_not_a_yaml_mapping_has_a_code(text: str, code: CheckCode) -> None:
    _edition, [problem] = validate_edition(text, "a.yaml", zone=ZONE)
    assert problem.code == code
    _localised(problem)


def test_a_file_for_another_month_has_a_code() -> None:
    sample = (ROOT / "letters" / "2026-11.yaml").read_text("utf-8")
    _edition, [problem] = validate_edition(sample, "a.yaml", zone=ZONE, month="2026-12")
    assert problem.code == CheckCode.MONTH_MISMATCH
    assert problem.message == "says 2026-11 but the file is for 2026-12"
    assert _shown(problem)[UiLanguage.SV] == (
        "I filen står månaden 2026-11, men den är brevet för 2026-12."
    )


@pytest.mark.parametrize(
    ("language", "not_text", "not_yaml"),
    [
        (
            UiLanguage.FI,
            "Tiedosto ei ole UTF-8-tekstiä",
            "Tiedosto ei ole kelvollista YAML-muotoa.",
        ),
        (UiLanguage.SV, "Filen är inte UTF-8-text", "Filen är inte giltig YAML."),
    ],
)
def test_an_edition_upload_that_is_not_text_or_not_yaml_is_refused_in_the_users_language(
    make_browser: Callable[..., Browser],
    clock_ctx: ClockContext,
    cheap_hashing: None,
    language: UiLanguage,
    not_text: str,
    not_yaml: str,
) -> None:
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR, language=language)
    browser = make_browser()
    assert browser.log_in(COORDINATOR).status_code == 303
    token = csrf_of(browser.get("/editions").text)

    def upload(content: bytes) -> httpx.Response:
        files = {"file": ("2026-11.yaml", content, "application/yaml")}
        data = {"csrf_token": token}
        response = browser.client.post(
            "/editions/import", data=data, files=files, headers=browser.jar.headers()
        )
        return browser.jar.take(response)

    latin = upload("month: ä".encode("latin-1"))
    assert latin.status_code == 400 and not_text in latin.text
    broken = upload(b"month: 2026-11\nsubject: [\n")
    assert broken.status_code == 400 and not_yaml in broken.text
