"""The edition check speaks the workspace's language: every problem the content validation and
the text rules find carries a code and its values, each code has a text in the fi, sv and en
catalogues, and the pages show that text (the CLI keeps the English message)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailer.config import Settings
from mailer.core.accounts import UiLanguage
from mailer.core.edition.content import ContentProblem, validate_edition
from mailer.core.edition.rules import rule_problems
from mailer.core.yaml_lines import load_with_lines
from mailer.pipeline.pages import problem_text
from mailer.web.shell import strings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (ROOT / "letters" / "2026-11.yaml").read_text("utf-8")
ZONE = ZoneInfo("Europe/Helsinki")


def _broken_structure() -> str:
    return (
        SAMPLE.replace("  sv: Utbildningsstyrelsens enkät", "  sw: Utbildningsstyrelsens enkät", 1)
        .replace("start: 2026-11-19 14:00", "start: 2026-11-19 16:00", 1)
        .replace("https://lyyti.example/reg/hyks-vipu-2026-11", "http://lyyti.example/reg", 1)
        .replace("regions: [hyks]", "regions: [hyks, lappi]", 1)
        .replace("start: 2026-11-26 13:00", "start: 26.11.2026", 1)
        .replace("month: 2026-11", "month: 2026-11\nextra_field: 1", 1)
    )


def _broken_texts() -> str:
    return (
        SAMPLE.replace('fi: "Marraskuu 2026:', 'fi: "Lokakuu 2026:', 1)
        .replace("Marraskuun kirjeessä kerromme", "{{ nimi }} <b>Marraskuun</b> kirjeessä", 1)
        .replace("I novemberbrevet berättar", "![kuva](https://kuva.example/a.png) I brevet", 1)
    )


def _problems() -> list[ContentProblem]:
    _edition, structural = validate_edition(_broken_structure(), "a.yaml", zone=ZONE)
    data, lines = load_with_lines(_broken_texts())
    return structural + rule_problems(data, lines, "b.yaml", month="2026-11")


def test_every_problem_found_has_a_code_and_a_text_in_each_catalogue() -> None:
    problems = _problems()
    codes = {p.code for p in problems}
    assert {
        "text_missing", "field_unknown", "region_unknown", "datetime_invalid",
        "link_not_https", "event_ends_first", "other_month", "template_syntax", "raw_html",
        "markdown_image",
    } <= codes  # fmt: skip
    assert "" not in codes, [p.message for p in problems if not p.code]
    settings = Settings(templates_dir=ROOT / "templates")
    for language in UiLanguage:
        t = strings(settings, language)
        for problem in problems:
            assert f"check_{problem.code}" in t, (language, problem.code)
            shown = problem_text(problem, t)
            assert "{" not in shown.replace("{{", ""), (language, shown)  # every value filled
            if language is not UiLanguage.EN:
                assert shown != problem.message


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (UiLanguage.FI, "Mainitsee sanan ”Lokakuu”, mutta tämä on kirje 2026-11"),
        (UiLanguage.SV, "Nämner ”Lokakuu”, men det här är brevet 2026-11"),
    ],
)
def test_a_problem_is_shown_in_the_pages_language_with_its_values(
    language: UiLanguage, expected: str
) -> None:
    [month] = [p for p in _problems() if p.code == "other_month"]
    t = strings(Settings(templates_dir=ROOT / "templates"), language)
    assert problem_text(month, t).startswith(expected)
    assert "October" in month.message  # the CLI's English message is unchanged


def test_an_unknown_code_or_a_catalogue_missing_a_value_falls_back_to_english() -> None:
    unknown = ContentProblem(file="a", line=1, field="x", message="English", code="new_rule")
    assert problem_text(unknown, {"check_other": "muu"}) == "English"
    wrong = ContentProblem(file="a", line=1, field="x", message="English", code="c")
    assert problem_text(wrong, {"check_c": "arvo {puuttuu}"}) == "English"
