"""Merging duplicates (within and across files) and diffing against the register."""

from __future__ import annotations

from pathlib import Path

from mailer.core.models import Language, Region, Role
from mailer.core.roster.merge import (
    ROSTER_FIELDS,
    RegisterEntry,
    diff_register,
    merge_rows,
)
from mailer.core.roster.rows import RosterRow, parse_roster

HEADER = "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta;Kieli;Rooli"


def rows_of(tmp_path: Path, name: str, *lines: str) -> list[RosterRow]:
    path = tmp_path / name
    path.write_bytes(("\r\n".join((HEADER, *lines)) + "\r\n").encode("utf-8-sig"))
    parsed = parse_roster(name, path.read_bytes())
    assert parsed.problems == []
    return parsed.rows


def test_same_person_in_two_files_is_one_contact_with_both_sources(tmp_path: Path) -> None:
    a = rows_of(tmp_path, "a.csv", "Aino;Mäkelä;Aino.Makela@Espoo.example;Espoon kaupunki;Espoo;;")
    b = rows_of(
        tmp_path,
        "b.csv",
        "x;x;z@espoo.example;Espoo;Espoo;;",
        "Aino;Mäkelä; aino.makela@espoo.example ;Espoon kaupunki;Espoo;;",
    )
    merged, conflicts = merge_rows(a + b)
    assert [m.email for m in merged] == ["aino.makela@espoo.example", "z@espoo.example"]
    assert merged[0].sources == {"a.csv": 2, "b.csv": 3}
    assert conflicts == []


def test_conflicting_values_across_files_keep_the_later_and_report_both_sources(
    tmp_path: Path,
) -> None:
    a = rows_of(
        tmp_path, "a.csv", "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;;Opiskeluhuolto"
    )
    b = rows_of(
        tmp_path,
        "b.csv",
        "Aino;Mäkelä-Virta;aino@espoo.example;Espoon kaupunki;Espoo;;Varhaiskasvatus",
    )
    merged, conflicts = merge_rows(a + b)
    assert (merged[0].last_name, merged[0].role) == ("Mäkelä-Virta", Role.ECEC)
    assert [c.to_dict() for c in conflicts] == [
        {
            "email": "aino@espoo.example",
            "field": "last_name",
            "kept": "Mäkelä-Virta",
            "kept_from": {"file": "b.csv", "line": 2},
            "other": "Mäkelä",
            "other_from": {"file": "a.csv", "line": 2},
        },
        {
            "email": "aino@espoo.example",
            "field": "role",
            "kept": "ecec",
            "kept_from": {"file": "b.csv", "line": 2},
            "other": "welfare",
            "other_from": {"file": "a.csv", "line": 2},
        },
    ]


def test_twice_in_one_file_is_merged_and_the_conflict_names_both_lines(tmp_path: Path) -> None:
    rows = rows_of(
        tmp_path,
        "a.csv",
        "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;;",
        "Bo;Ek;bo@espoo.example;Espoon kaupunki;Espoo;;",
        "Aino;Mäkelä;AINO@espoo.example;Espoon kaupunki;Tampere;;",
    )
    merged, conflicts = merge_rows(rows)
    assert len(merged) == 2
    assert merged[0].sources == {"a.csv": 4}
    assert {(c.field, c.kept_from, c.other_from) for c in conflicts} == {
        ("municipality", ("a.csv", 4), ("a.csv", 2)),
        ("region", ("a.csv", 4), ("a.csv", 2)),
    }
    assert merged[0].region is Region.TAYS


def test_a_stated_value_beats_a_default_without_a_conflict(tmp_path: Path) -> None:
    a = rows_of(
        tmp_path,
        "a.csv",
        "Ulla;Lind;ulla@vaasa.example;Vaasan kaupunki;Vaasa;ruotsi;Opiskeluhuolto",
    )
    b = rows_of(tmp_path, "b.csv", "Ulla;Lind;ulla@vaasa.example;Vaasan kaupunki;Vaasa;;")
    for order in (a + b, b + a):
        merged, conflicts = merge_rows(order)
        assert (merged[0].language, merged[0].role) == (Language.SV, Role.WELFARE)
        assert conflicts == []


def _entry(
    id_: int, row: RosterRow, *, sources: frozenset[str], missing: bool = False
) -> RegisterEntry:
    values = tuple(None if getattr(row, n) is None else str(getattr(row, n)) for n in ROSTER_FIELDS)
    return RegisterEntry(id=id_, email=row.email, values=values, missing=missing, sources=sources)


LANGUAGE = ROSTER_FIELDS.index("language")


def test_diff_sorts_contacts_into_created_updated_unchanged_and_missing(tmp_path: Path) -> None:
    old = rows_of(
        tmp_path,
        "old.csv",
        "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;;",
        "Bo;Ek;bo@espoo.example;Espoon kaupunki;Espoo;;",
        "Cay;Berg;cay@espoo.example;Espoon kaupunki;Espoo;;",
        "Dan;Ny;dan@espoo.example;Espoon kaupunki;Espoo;;",
    )
    register = {r.email: _entry(i, r, sources=frozenset({"a.csv"})) for i, r in enumerate(old, 1)}
    register["dan@espoo.example"] = _entry(4, old[3], sources=frozenset({"other.csv"}))
    register["bo@espoo.example"] = _entry(2, old[1], sources=frozenset({"a.csv", "other.csv"}))
    register["cay@espoo.example"] = _entry(3, old[2], sources=frozenset({"a.csv"}))
    register["fay@espoo.example"] = _entry(5, old[2], sources=frozenset({"a.csv", "b.csv"}))
    new = rows_of(
        tmp_path,
        "a.csv",
        "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;;",
        "Bo;Ek;bo@espoo.example;Espoon kaupunki (sivistys);Espoo;;",
        "Eve;Uus;eve@espoo.example;Espoon kaupunki;Espoo;;",
    )
    merged, _ = merge_rows(new)
    diff = diff_register(merged, register, {"a.csv"})
    assert [c.email for c in diff.created] == ["eve@espoo.example"]
    assert [(u.id, u.changed) for u in diff.updated] == [(2, ("organisation",))]
    assert [u.id for u in diff.unchanged] == [1]
    # cay was in a.csv before and is gone; dan came from a file not imported now; fay left
    # a.csv but b.csv (not imported now) still names her
    assert [(m.email, m.sources) for m in diff.missing] == [("cay@espoo.example", ("a.csv",))]
    assert [(m.email, m.sources, m.still_in) for m in diff.left] == [
        ("fay@espoo.example", ("a.csv",), ("b.csv",))
    ]


def test_a_defaulted_language_never_overwrites_the_register_but_a_stated_one_does(
    tmp_path: Path,
) -> None:
    stored = rows_of(
        tmp_path, "x.csv", "Ulla;Lind;ulla@vaasa.example;Vaasan kaupunki;Vaasa;ruotsi;"
    )[0]
    register = {stored.email: _entry(7, stored, sources=frozenset({"a.csv"}))}
    defaulted = rows_of(tmp_path, "a.csv", "Ulla;Lind;ulla@vaasa.example;Vaasan kaupunki;Vaasa;;")
    diff = diff_register(merge_rows(defaulted)[0], register, {"a.csv"})
    assert [(u.id, u.values[LANGUAGE]) for u in diff.unchanged] == [(7, "sv")]
    stated = rows_of(tmp_path, "a.csv", "Ulla;Lind;ulla@vaasa.example;Vaasan kaupunki;Vaasa;suomi;")
    diff = diff_register(merge_rows(stated)[0], register, {"a.csv"})
    assert [(u.id, u.changed, u.values[LANGUAGE]) for u in diff.updated] == [
        (7, ("language",), "fi")
    ]


def test_a_missing_contact_seen_again_is_updated_to_clear_the_flag(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, "a.csv", "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;;")
    register = {rows[0].email: _entry(3, rows[0], sources=frozenset({"a.csv"}), missing=True)}
    diff = diff_register(merge_rows(rows)[0], register, {"a.csv"})
    assert [(u.id, u.changed) for u in diff.updated] == [(3, ("missing_since",))]
