"""Edition content: pydantic models over line-aware YAML; every problem names file, line, field."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailer.core.edition.content import Edition, parse_edition, validate_edition
from mailer.core.errors import ContentError
from mailer.core.models import Language, Region

ROOT = Path(__file__).resolve().parent.parent
LETTERS = Path(__file__).resolve().parent / "fixtures" / "letters"
HELSINKI = ZoneInfo("Europe/Helsinki")


def _parse(name: str) -> Edition:
    path = LETTERS / name
    return parse_edition(path.read_text(encoding="utf-8"), str(path), zone=HELSINKI)


def _line_of(name: str, needle: str) -> int:
    lines = (LETTERS / name).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_the_sample_edition_is_valid_and_covers_every_region() -> None:
    path = ROOT / "letters" / "2026-11.yaml"
    edition = parse_edition(path.read_text(encoding="utf-8"), str(path), zone=HELSINKI)
    assert set(edition.regional) == set(Region)
    for region in Region:
        assert any(event.regions == [region] for event in edition.events), region
    assert edition.national and edition.themes


@pytest.mark.parametrize(
    ("fixture", "field", "needle", "message"),
    [
        ("missing-sv.yaml", "national[0].body.sv", "body:", "Swedish text is missing"),
        ("bad-date.yaml", "events[0].start", "start: 2026-11-31", "not a valid date and time"),
        ("unknown-region.yaml", "regional.lapland", "lapland:", "unknown region 'lapland'"),
        ("http-link.yaml", "national[0].body.sv", "sv: Läs", "not an absolute https://"),
    ],
)
def test_a_broken_edition_names_file_line_and_field(
    fixture: str, field: str, needle: str, message: str
) -> None:
    with pytest.raises(ContentError) as caught:
        _parse(fixture)
    err = caught.value
    assert err.file == str(LETTERS / fixture)
    assert err.field == field
    assert err.line == _line_of(fixture, needle)
    assert message in str(err)


def test_every_problem_is_reported_with_region_and_language() -> None:
    path = LETTERS / "many-problems.yaml"
    edition, problems = validate_edition(path.read_text(encoding="utf-8"), str(path), zone=HELSINKI)
    assert edition is None
    found = {(p.field, p.region, p.language) for p in problems}
    assert found == {
        ("preheader.sv", "all", "sv"),
        ("national[0].title.sv", "all", "sv"),
        ("regional.kys[0].body.fi", "kys", "fi"),
        ("events[0]", "kys", "all"),
        ("events[1].registration", "all", "all"),
    }
    by_field = {p.field: p for p in problems}
    assert "ends before it starts" in by_field["events[0]"].message
    assert by_field["events[0]"].line == _line_of("many-problems.yaml", "- title: {fi: Tapaaminen")
    assert by_field["preheader.sv"].line == _line_of("many-problems.yaml", "preheader:")


def test_a_yaml_syntax_error_gives_the_line() -> None:
    text = "month: 2026-11\nsubject: {fi: a, sv: b\nintro: x\n"
    edition, problems = validate_edition(text, "x.yaml", zone=HELSINKI)
    assert edition is None
    assert problems[0].line == 3
    assert problems[0].field == "(file)"


def test_an_unknown_field_is_an_error_not_ignored() -> None:
    text = (LETTERS / "minimal.yaml").read_text(encoding="utf-8").replace("closing:", "closnig:")
    with pytest.raises(ContentError) as caught:
        parse_edition(text, "x.yaml", zone=HELSINKI)
    assert {caught.value.field} <= {"closnig", "closing"}
    _, problems = validate_edition(text, "x.yaml", zone=HELSINKI)
    assert {p.field for p in problems} == {"closnig", "closing"}


def test_the_month_must_match_the_file() -> None:
    text = (LETTERS / "minimal.yaml").read_text(encoding="utf-8")
    with pytest.raises(ContentError, match="says 2026-11 but the file is for 2026-12"):
        parse_edition(text, "letters/2026-12.yaml", zone=HELSINKI, month="2026-12")


def test_times_without_a_zone_are_helsinki_wall_clock_time() -> None:
    edition = _parse("minimal.yaml")
    start = edition.events[0].start
    assert start.tzinfo is HELSINKI
    assert start.utcoffset() is not None
    assert start.isoformat() == "2026-11-19T14:00:00+02:00"


def test_a_time_with_an_explicit_offset_is_kept() -> None:
    text = (LETTERS / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("start: 2026-11-19 14:00", "start: 2026-11-19T12:00:00Z")
    edition = parse_edition(text, "x.yaml", zone=HELSINKI)
    assert edition.events[0].start.astimezone(HELSINKI).hour == 14


def test_an_event_needs_a_place_or_online() -> None:
    text = (LETTERS / "minimal.yaml").read_text(encoding="utf-8").replace("online: true", "")
    with pytest.raises(ContentError, match="needs a place, or `online: true`"):
        parse_edition(text, "x.yaml", zone=HELSINKI)


def test_events_for_a_region_are_national_plus_its_own_in_date_order() -> None:
    path = ROOT / "letters" / "2026-11.yaml"
    edition = parse_edition(path.read_text(encoding="utf-8"), str(path), zone=HELSINKI)
    events = edition.events_for(Region.OYS)
    assert [e.start for e in events] == sorted(e.start for e in events)
    assert all(not e.regions or Region.OYS in e.regions for e in events)
    assert {e.title.get(Language.FI) for e in events} >= {"OYS-alueen VIPU-etätapaaminen"}
    assert not any(Region.HYKS in e.regions for e in events)
