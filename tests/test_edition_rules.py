"""The editorial rules of `edition check` (`mailer.core.edition.rules`): what a copied edition
carries over and what a reader would see wrongly."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailer.core.edition.content import Severity, parse_edition
from mailer.core.edition.letter import all_variants
from mailer.core.edition.rules import (
    PlannedSend,
    event_problems,
    month_named,
    rule_problems,
    text_problems,
)
from mailer.core.yaml_lines import load_with_lines

LETTERS = Path(__file__).resolve().parent / "fixtures" / "letters"
HELSINKI = ZoneInfo("Europe/Helsinki")
MINIMAL = (LETTERS / "minimal.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("Marraskuun kirje", 11),
        ("marraskuu 2026", 11),
        ("Tapahtumat lokakuussa", 10),
        ("joulukuuhun mennessä", 12),
        ("tammikuusta alkaen", 1),
        ("kesäkuun tapaaminen", 6),
        ("heinäkuuksi", 7),
        ("syyskuiden aikana", 9),
        ("huhtikuullakin", 4),
        ("Novemberbrevet", 11),
        ("i oktober", 10),
        ("decembers evenemang", 12),
        ("Maj 2027", 5),
        ("i mars", 3),
        ("JULI", 7),
    ],
)
def test_month_names_are_found_in_their_inflected_forms(text: str, month: int) -> None:
    assert [n for n, _ in month_named(text)] == [month]


@pytest.mark.parametrize(
    "text",
    ["elokuva-ilta", "majoritet", "marschen", "aprillipäivä", "Kuukausikirje", "kesän tapahtumat"],
)
def test_words_that_only_look_like_months_are_not_months(text: str) -> None:
    assert list(month_named(text)) == []


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("Hei {{ first_name }}!", 'template syntax "{{"'),
        ("{% if x %}Moi{% endif %}", 'template syntax "{%"'),
        ("Tämä on <b>tärkeää</b>.", 'raw HTML "<b>", "</b>" would'),
        ('Katso <a href="https://x.example">tästä</a>', 'raw HTML "<a href='),
        ("Kuva: ![kuva](https://x.example/k.png)", 'would be shown as "!kuva"'),
    ],
)
def test_template_syntax_raw_html_and_images_are_flagged(text: str, needle: str) -> None:
    assert any(needle in problem for problem in text_problems(text))


@pytest.mark.parametrize(
    "text",
    [
        "Lue [lisää](https://x.example) tai <https://x.example/a>.",
        "Kirjoita <anna@x.example> ja **tärkeä** 3 < 4 > 2.",
        "Tuki {alueelle} ja 100 % varmasti",
    ],
)
def test_plain_markdown_is_not_flagged(text: str) -> None:
    assert text_problems(text) == []


def _rules(text: str, month: str = "2026-11") -> list[tuple[str, int | None, Severity, str]]:
    data, lines = load_with_lines(text)
    return [
        (p.field, p.line, p.severity, p.message)
        for p in rule_problems(data, lines, "letters/2026-11.yaml", month=month)
    ]


def _line(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_subject_naming_last_month_is_an_overridable_problem_on_its_line() -> None:
    text = MINIMAL.replace("fi: Testikirje", "fi: Lokakuun kirje")
    found = _rules(text)
    assert len(found) == 1
    field, line, severity, message = found[0]
    assert (field, line, severity) == ("subject.fi", _line(text, "Lokakuun"), Severity.OVERRIDABLE)
    assert message.startswith('names "Lokakuun" (October), but this is the November edition')


def test_the_editions_own_month_and_other_months_in_bodies_are_fine() -> None:
    text = MINIMAL.replace("fi: Testikirje", "fi: Marraskuun kirje").replace(
        "sv: Kort presentation", "sv: Novemberbrevet"
    )
    text = text.replace("fi: Tervetuloa.", "fi: Joulukuussa tavataan.")
    assert _rules(text) == []


def test_a_preheader_naming_another_month_in_swedish_is_flagged() -> None:
    text = MINIMAL.replace("sv: Kort presentation", "sv: Höstens träffar i oktober")
    assert [(f, s) for f, _, s, _ in _rules(text)] == [("preheader.sv", Severity.OVERRIDABLE)]


def test_raw_html_in_a_regional_body_names_region_language_and_line() -> None:
    text = MINIMAL.replace("fi: Alueella tapahtuu.", "fi: Alueella <b>tapahtuu</b>.")
    data, lines = load_with_lines(text)
    (problem,) = rule_problems(data, lines, "x.yaml", month="2026-11")
    assert (problem.field, problem.region, problem.language) == (
        "regional.tyks[0].body.fi",
        "tyks",
        "fi",
    )
    assert problem.line == _line(text, "<b>tapahtuu")


def test_a_long_subject_is_a_warning_only() -> None:
    subject = "Marraskuu 2026: " + "pitkä aihe " * 5
    found = _rules(MINIMAL.replace("fi: Testikirje", f'fi: "{subject}"'))
    assert [(f, s) for f, _, s, _ in found] == [("subject.fi", Severity.WARNING)]
    assert f"the subject is {len(subject.strip())} characters" in found[0][3]


def test_a_subject_of_exactly_60_characters_is_fine() -> None:
    subject = "Marraskuu 2026 " + "x" * 45
    assert len(subject) == 60
    assert _rules(MINIMAL.replace("fi: Testikirje", f"fi: {subject}")) == []


def _planned(at: datetime) -> dict:
    return {v: PlannedSend(at, "schedule monthly") for v in all_variants()}


def test_an_event_that_ends_before_the_send_is_flagged_on_its_end_line() -> None:
    text = MINIMAL.replace("start: 2026-11-19 14:00", "start: 2026-10-28 14:00").replace(
        "end: 2026-11-19 15:30", "end: 2026-10-28 15:30"
    )
    edition = parse_edition(text, "x.yaml", zone=HELSINKI)
    _, lines = load_with_lines(text)
    send = datetime(2026, 11, 3, 9, 0, tzinfo=HELSINKI)
    (problem,) = event_problems(edition, lines, "x.yaml", planned=_planned(send), zone=HELSINKI)
    assert problem.field == "events[0].end"
    assert problem.line == _line(text, "end: 2026-10-28")
    assert problem.severity is Severity.OVERRIDABLE
    assert "over on 2026-10-28 15:30, before the letter goes out" in problem.message
    assert "2026-11-03 09:00, schedule monthly" in problem.message


def test_an_event_after_the_send_is_fine() -> None:
    edition = parse_edition(MINIMAL, "x.yaml", zone=HELSINKI)
    _, lines = load_with_lines(MINIMAL)
    send = datetime(2026, 11, 3, 9, 0, tzinfo=HELSINKI)
    assert event_problems(edition, lines, "x.yaml", planned=_planned(send), zone=HELSINKI) == []


def test_a_regional_event_counts_only_its_regions_sends() -> None:
    text = MINIMAL.replace("    online: true\n", "    online: true\n    regions: [tyks]\n")
    edition = parse_edition(text, "x.yaml", zone=HELSINKI)
    _, lines = load_with_lines(text)
    early = datetime(2026, 11, 3, 9, 0, tzinfo=HELSINKI)
    late = datetime(2026, 11, 20, 9, 0, tzinfo=HELSINKI)  # after the event on the 19th
    planned = {
        v: PlannedSend(late if v.region.value == "hyks" else early, "schedule x")
        for v in all_variants()
    }
    assert event_problems(edition, lines, "x.yaml", planned=planned, zone=HELSINKI) == []
    planned = {v: PlannedSend(late if v.key == "tyks-sv" else early, "s") for v in all_variants()}
    (problem,) = event_problems(edition, lines, "x.yaml", planned=planned, zone=HELSINKI)
    assert (problem.region, problem.language) == ("tyks", "sv")
    assert "tyks-sv on 2026-11-20 09:00" in problem.message
