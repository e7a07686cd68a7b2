"""Municipality names as rosters write them: genitive + kaupunki/kunta, Swedish stad/kommun,
codes, spelling without diacritics, and a "did you mean" hint when nothing matches."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mailer.core.place_names import genitives
from mailer.core.regions import find_municipality, municipalities, suggest_municipality
from mailer.core.roster.values import resolve_place

# The usual genitive of every municipality's Finnish name, reviewed by hand (official names such
# as "Lahden kaupunki", "Kaustisen kunta"); the lookup must find each one.
GENITIVES = Path(__file__).parent / "fixtures" / "municipality_genitives.csv"


def _genitive_rows() -> list[tuple[str, str]]:
    with GENITIVES.open(encoding="utf-8") as handle:
        return [(row["name_fi"], row["genitive"]) for row in csv.DictReader(handle, delimiter=";")]


def test_the_genitive_list_covers_every_municipality() -> None:
    assert {name for name, _ in _genitive_rows()} == {m.name_fi for m in municipalities()}


@pytest.mark.parametrize(
    ("name", "genitive"),
    [
        ("Vaasa", "Vaasan"), ("Hämeenlinna", "Hämeenlinnan"), ("Kuopio", "Kuopion"),
        ("Oulu", "Oulun"), ("Espoo", "Espoon"), ("Helsinki", "Helsingin"), ("Turku", "Turun"),
        ("Lahti", "Lahden"), ("Pori", "Porin"), ("Tampere", "Tampereen"),
        ("Seinäjoki", "Seinäjoen"), ("Kauniainen", "Kauniaisten"), ("Outokumpu", "Outokummun"),
        ("Lappeenranta", "Lappeenrannan"), ("Hanko", "Hangon"), ("Heinävesi", "Heinäveden"),
        ("Varkaus", "Varkauden"), ("Kannus", "Kannuksen"), ("Virrat", "Virtain"),
        ("Uusikaupunki", "Uudenkaupungin"), ("Rautalampi", "Rautalammin"), ("Vihti", "Vihdin"),
        ("Hailuoto", "Hailuodon"), ("Kitee", "Kiteen"), ("Iisalmi", "Iisalmen"), ("Ii", "Iin"),
    ],
)  # fmt: skip
def test_usual_genitive_comes_first(name: str, genitive: str) -> None:
    assert genitives(name)[0] == genitive


@pytest.mark.parametrize(("name", "genitive"), _genitive_rows())
def test_every_municipality_is_found_from_its_official_name_forms(name: str, genitive: str) -> None:
    for text in (f"{genitive} kaupunki", f"{genitive} kunta", genitive, name, name.upper()):
        found = find_municipality(text)
        assert found is not None and found.name_fi == name, text


@pytest.mark.parametrize("m", municipalities(), ids=lambda m: m.code)
def test_every_municipality_is_found_by_code_and_swedish_forms(m: object) -> None:
    from mailer.core.regions import Municipality

    assert isinstance(m, Municipality)
    assert find_municipality(m.code) == m
    assert find_municipality(str(int(m.code))) == m
    assert find_municipality(m.name_sv) == m
    assert find_municipality(f"{m.name_sv} stad") == m
    assert find_municipality(f"{m.name_sv} kommun") == m


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hameenlinna", "Hämeenlinna"), ("Hameenlinnan kaupunki", "Hämeenlinna"),
        ("Jarvenpaa", "Järvenpää"), ("Aanekoski", "Äänekoski"), ("Seinajoen kaupunki", "Seinäjoki"),
        ("Koski Tl:n kunta", "Koski Tl"), ("Vasa stad", "Vaasa"), ("Esbo kommun", "Espoo"),
        ("  vaasan   KAUPUNKI ", "Vaasa"),
    ],
)  # fmt: skip
def test_forms_without_diacritics_colons_and_case(text: str, name: str) -> None:
    found = find_municipality(text)
    assert found is not None and found.name_fi == name


def test_no_genitive_form_finds_another_municipality_by_its_name() -> None:
    # "Kemin" belongs to Kemi; nothing derived from one name may shadow another name
    for m in municipalities():
        for name in (m.name_fi, m.name_sv):
            assert find_municipality(name) == m


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("Hämenlinna", "Hämeenlinna"), ("Hamenlinnan kaupunki", "Hämeenlinna"),
     ("Helsingn kaupunki", "Helsinki"), ("Jyvaskyla city", "Jyväskylä"), ("Atlantis", None)],
)  # fmt: skip
def test_an_unknown_name_gets_the_nearest_as_a_suggestion(
    text: str, suggestion: str | None
) -> None:
    assert suggest_municipality(text) == suggestion


def test_unknown_municipality_problem_says_did_you_mean() -> None:
    _, _, _, problem, _ = resolve_place("Hämenlinna", "")
    assert problem == (
        "municipality",
        "unknown municipality 'Hämenlinna' and no region given (did you mean Hämeenlinna?)",
    )


def test_unknown_municipality_with_a_region_warns_with_the_suggestion() -> None:
    _, region, _, problem, warning = resolve_place("Hämenlinna", "tays")
    assert problem is None and region is not None
    assert warning is not None and "did you mean Hämeenlinna?" in warning[1]
