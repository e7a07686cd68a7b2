"""YAML syntax errors in a letter are told in a coordinator's words, with the line and the field
the slip broke (`mailer.core.yaml_words`)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailer.core.edition.content import ContentProblem, validate_edition

LETTERS = Path(__file__).resolve().parent / "fixtures" / "letters"
HELSINKI = ZoneInfo("Europe/Helsinki")
MINIMAL = (LETTERS / "minimal.yaml").read_text(encoding="utf-8")


def _only_problem(text: str) -> ContentProblem:
    edition, problems = validate_edition(text, "letters/2026-11.yaml", zone=HELSINKI)
    assert edition is None
    assert len(problems) == 1
    return problems[0]


def _line(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_colon_inside_text_says_put_the_text_in_quotes() -> None:
    text = MINIMAL.replace("fi: Testikirje", "fi: Huom: uusi kirje")
    problem = _only_problem(text)
    assert problem.message == "a colon inside text — put the text in quotes"
    assert problem.line == _line(text, "Huom: uusi")
    assert problem.field == "subject.fi"
    assert str(problem).startswith(f"letters/2026-11.yaml:{problem.line}: ")


def test_a_colon_in_a_list_items_text_names_the_item() -> None:
    text = MINIMAL.replace("fi: Alueella tapahtuu.", "fi: Alueella tapahtuu: paljon.")
    problem = _only_problem(text)
    assert problem.field == "regional.tyks[0].body.fi"
    assert problem.line == _line(text, "tapahtuu: paljon")


@pytest.mark.parametrize(("spaces", "depth"), [("   ", "deeper"), (" ", "less")])
def test_an_indentation_slip_names_the_field_it_broke(spaces: str, depth: str) -> None:
    text = MINIMAL.replace("  sv: Testbrev", f"{spaces}sv: Testbrev")
    problem = _only_problem(text)
    assert problem.field == "subject.sv"
    assert problem.line == _line(text, "sv: Testbrev")
    assert problem.message == (
        f"`sv` is indented {depth} than `fi` on line {problem.line - 1}: line the two up "
        "(field subject.sv)"
    )


def test_a_slip_inside_a_list_item_names_the_item() -> None:
    text = MINIMAL.replace("      sv: Nyhet", "       sv: Nyhet")
    problem = _only_problem(text)
    assert problem.field == "national[0].title.sv"


def test_a_misaligned_list_item_is_named_as_such() -> None:
    item = "   - title: {fi: Toinen, sv: Andra}\n     body: {fi: Teksti, sv: Text}\n"
    text = MINIMAL.replace("events:\n", item + "events:\n")
    problem = _only_problem(text)
    assert problem.message == "this list item (`- `) is not lined up with the items above it"
    assert problem.line == _line(text, "Toinen")


def test_a_tab_says_indent_with_spaces() -> None:
    problem = _only_problem(MINIMAL.replace("  sv: Testbrev", "\tsv: Testbrev"))
    assert problem.message == "a tab character: indent with spaces only"


def test_an_unclosed_quote_points_at_the_line_that_opens_it() -> None:
    text = MINIMAL.replace("fi: Testikirje", 'fi: "Testikirje')
    problem = _only_problem(text)
    assert problem.message == "a quote opened on this line is never closed"
    assert problem.line == _line(text, '"Testikirje')
    assert problem.field == "subject.fi"


@pytest.mark.parametrize("start", ["@", "`"])
def test_a_text_starting_with_a_reserved_character_says_quote_it(start: str) -> None:
    problem = _only_problem(MINIMAL.replace("fi: Testikirje", f"fi: {start}Testikirje"))
    assert problem.message == f'a text cannot start with "{start}" — put the text in quotes'
    assert problem.field == "subject.fi"


def test_a_text_continued_without_indentation_is_explained() -> None:
    text = MINIMAL.replace("  fi: Tervetuloa.", "  fi: Tervetuloa\nmukaan.")
    problem = _only_problem(text)
    assert problem.line == _line(text, "mukaan.")
    assert "indent a continued text" in problem.message


def test_no_pyyaml_jargon_reaches_the_coordinator() -> None:
    broken = [
        MINIMAL.replace("fi: Testikirje", "fi: Huom: x"),
        MINIMAL.replace("  sv: Testbrev", " sv: Testbrev"),
        MINIMAL.replace("  sv: Testbrev", "   sv: Testbrev"),
        MINIMAL.replace("fi: Testikirje", "fi: [Uusi] kirje"),
    ]
    for text in broken:
        message = _only_problem(text).message
        assert "mapping values" not in message
        assert "<block" not in message
