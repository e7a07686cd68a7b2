"""The pure side of editions in the database: stored text, what changed, next month's start."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailer.core.edition.content import validate_edition
from mailer.core.edition.revisions import MAX_PATHS, canonical_text, changed_paths, check_month
from mailer.core.edition.successor import successor_text
from mailer.core.errors import ContentError
from mailer.core.yaml_lines import load_with_lines

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (ROOT / "letters" / "2026-11.yaml").read_text(encoding="utf-8")
MINIMAL = (Path(__file__).parent / "fixtures" / "letters" / "minimal.yaml").read_text("utf-8")


def _data(text: str) -> object:
    return load_with_lines(text)[0]


def test_stored_text_has_unix_newlines_one_final_newline_and_no_bom() -> None:
    assert canonical_text("\ufeffa: 1\r\nb: 2\r\n\r\n\n") == "a: 1\nb: 2\n"
    assert canonical_text("a: 1") == "a: 1\n"
    assert canonical_text(SAMPLE) == SAMPLE  # the sample is already canonical: nothing moves


def test_a_month_must_be_yyyy_mm() -> None:
    assert check_month("2026-11") == "2026-11"
    with pytest.raises(ContentError, match="expected YYYY-MM"):
        check_month("2026-13")


def test_a_changed_text_is_named_by_its_field_path_and_language() -> None:
    edited = SAMPLE.replace("Kiitos, että", "Kiitos taas, että")
    assert changed_paths(_data(SAMPLE), _data(edited)) == ["closing.fi"]
    assert changed_paths(_data(SAMPLE), _data(SAMPLE + "# a comment\n")) == []


def test_an_inserted_section_is_one_addition_not_a_change_of_every_later_item() -> None:
    old = {"national": [{"t": "a"}, {"t": "b"}, {"t": "c"}]}
    new = {"national": [{"t": "a"}, {"t": "new"}, {"t": "b"}, {"t": "c"}]}
    assert changed_paths(old, new) == ["national[1] (added)"]
    assert changed_paths(new, old) == ["national[1] (removed)"]


def test_added_and_removed_fields_say_so() -> None:
    old = {"subject": {"fi": "a"}, "themes": []}
    new = {"subject": {"fi": "b"}, "events": [1]}
    assert changed_paths(old, new) == ["subject.fi", "themes (removed)", "events (added)"]


def test_a_long_list_of_changes_is_cut_with_a_count() -> None:
    old = {f"k{i}": i for i in range(100)}
    new = {f"k{i}": i + 1 for i in range(100)}
    found = changed_paths(old, new)
    assert len(found) == MAX_PATHS
    assert found[-1] == f"... and {100 - MAX_PATHS + 1} more"


def test_the_next_month_keeps_texts_and_comments_and_clears_the_events() -> None:
    started = successor_text(SAMPLE, source_month="2026-11", month="2026-12")
    assert started.cleared_events == 7
    assert "month: 2026-12\n" in started.text and "month: 2026-11" not in started.text
    assert "\nevents: []\n\nclosing:\n" in started.text
    assert started.text.startswith("# VIPU-kuukausikirje")  # the comments carry over
    edition, problems = validate_edition(
        started.text, "new", zone=ZoneInfo("Europe/Helsinki"), month="2026-12"
    )
    assert problems == [] and edition is not None
    assert edition.events == [] and edition.national == _national(SAMPLE)


def _national(text: str) -> object:
    edition, _ = validate_edition(text, "x", zone=ZoneInfo("Europe/Helsinki"))
    assert edition is not None
    return edition.national


def test_texts_naming_the_old_month_are_flagged_with_their_line() -> None:
    flags = successor_text(SAMPLE, source_month="2026-11", month="2026-12").flags
    by_field = {f.field: f for f in flags}
    assert {"subject.fi", "subject.sv"} <= by_field.keys()
    assert by_field["subject.fi"].line == 7 and "marraskuu" in by_field["subject.fi"].message
    assert "november" in by_field["subject.sv"].message
    assert "closing.fi" not in by_field  # "joulukuun alussa" names the new month: fine


def test_an_edition_without_events_only_gets_its_month() -> None:
    text = MINIMAL.replace("month: 2026-11", "month: '2026-11'  # quoted")
    start = text.index("events:")
    text = text[:start] + text[text.index("closing:") :]
    started = successor_text(text, source_month="2026-11", month="2027-01")
    assert started.cleared_events == 0
    assert started.text == text.replace("'2026-11'", "'2027-01'")
