"""Rosters as coordinators keep them: job titles in the role column, the same name in other
capitals, bilingual municipalities left to the default language, Swedish headers without a
language column. Pure parsing first, then the register on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailer.core.models import Language, Role
from mailer.core.roster.merge import better_cased, merge_rows
from mailer.core.roster.rows import parse_roster
from mailer.core.roster.values import parse_role
from mailer.pipeline import Context
from mailer.pipeline.contacts import contact_details
from mailer.pipeline.roster import import_rosters

HEADER = "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta;Kieli;Rooli"


def parse(text: str, name: str = "r.csv"):  # type: ignore[no-untyped-def]
    return parse_roster(name, text.replace("\n", "\r\n").encode("utf-8"))


@pytest.mark.parametrize(
    ("raw", "role", "title"),
    [
        ("Erityisopettaja", Role.SUPPORT, "Erityisopettaja"),
        ("Kuraattori", Role.WELFARE, "Kuraattori"),
        ("Koulupsykologi", Role.WELFARE, "Koulupsykologi"),
        ("Kouluterveydenhoitaja", Role.WELFARE, "Kouluterveydenhoitaja"),
        ("Varhaiskasvatuksen erityisopettaja", Role.ECEC, "Varhaiskasvatuksen erityisopettaja"),
        ("Specialbarnträdgårdslärare inom småbarnspedagogik", Role.ECEC,
         "Specialbarnträdgårdslärare inom småbarnspedagogik"),
        ("Skolkurator", Role.WELFARE, "Skolkurator"),
        ("Opetuspäällikkö", Role.OTHER, "Opetuspäällikkö"),
        ("Rektor", Role.OTHER, "Rektor"),
        ("Oppimisen tuki", Role.SUPPORT, None),
        ("elevvård", Role.WELFARE, None),
    ],
)  # fmt: skip
def test_a_job_title_maps_to_a_role_or_other_and_is_kept(
    raw: str, role: Role, title: str | None
) -> None:
    assert parse_role(raw) == (role, title)


def test_rows_with_job_titles_are_accepted_with_the_title_stored() -> None:
    parsed = parse(
        f"{HEADER}\n"
        "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;fi;Erityisopettaja\n"
        "Bo;Ek;bo@vasa.example;Vasa stad;Vasa;sv;Rektor\n"
        "Cay;Berg;cay@oulu.example;Oulun kaupunki;Oulu;fi;Opetuspäällikkö\n"
    )
    assert parsed.problems == []
    assert [(r.role, r.title) for r in parsed.rows] == [
        (Role.SUPPORT, "Erityisopettaja"),
        (Role.OTHER, "Rektor"),
        (Role.OTHER, "Opetuspäällikkö"),
    ]


def test_better_cased_prefers_mixed_case_over_capitals_or_small_letters() -> None:
    assert better_cased("AINO JÄRVINEN", "Aino Järvinen") == "Aino Järvinen"
    assert better_cased("Aino Järvinen", "AINO JÄRVINEN") == "Aino Järvinen"
    assert better_cased("aino", "Aino") == "Aino"
    assert better_cased("Aino", "AINO") == "Aino"


def test_the_same_person_in_capitals_is_no_conflict_and_keeps_the_proper_case() -> None:
    first = parse(
        f"{HEADER}\nAino;Järvinen;aino@espoo.example;Espoon kaupunki;Espoo;fi;\n", "a.csv"
    )
    second = parse(
        f"{HEADER}\nAINO;JÄRVINEN;aino@espoo.example;ESPOON KAUPUNKI;Espoo;fi;\n", "b.csv"
    )
    merged, conflicts = merge_rows([*first.rows, *second.rows])
    assert conflicts == []
    (contact,) = merged
    assert (contact.first_name, contact.last_name, contact.organisation) == (
        "Aino",
        "Järvinen",
        "Espoon kaupunki",
    )


def test_a_bilingual_municipality_on_its_default_language_gets_one_warning_per_file() -> None:
    parsed = parse(
        f"{HEADER}\n"
        "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;;\n"
        "Eino;Mäki;eino@espoo.example;Espoon kaupunki;Espoo;;\n"
        "Bo;Ek;bo@vasa.example;Vasa stad;Vasa;sv;\n"
        "Cay;Berg;cay@oulu.example;Oulun kaupunki;Oulu;;\n"
    )
    assert [(w.line, w.column, w.reason) for w in parsed.warnings] == [
        (
            2,
            "Kunta",
            "Espoo is bilingual: language fi by default (2 contact(s), lines 2, 3); fill in "
            "its language column to choose",
        )
    ]
    assert [r.language for r in parsed.rows] == [Language.FI, Language.FI, Language.SV, Language.FI]


def test_swedish_headers_without_a_language_column_get_a_hint() -> None:
    parsed = parse(
        "Förnamn;Efternamn;E-post;Organisation;Kommun\nBo;Ek;bo@esbo.example;Esbo stad;Esbo\n"
    )
    reasons = [w.reason for w in parsed.warnings]
    assert reasons[0].startswith("the headers are in Swedish but there is no language column")
    assert "add a language column to choose" in reasons[1]
    assert parsed.warnings[0].line == 1


def test_swedish_headers_with_a_language_column_need_no_hint() -> None:
    parsed = parse(
        "Förnamn;Efternamn;E-post;Organisation;Kommun;Språk\n"
        "Bo;Ek;bo@esbo.example;Esbo stad;Esbo;svenska\n"
    )
    assert parsed.warnings == []


def _roster(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\r\n".join((HEADER, *lines)) + "\r\n", encoding="utf-8")
    return path


def test_an_unknown_title_is_stored_shown_and_updated(ctx: Context, tmp_path: Path) -> None:
    path = _roster(
        tmp_path, "r.csv", "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;fi;Rehtori"
    )
    report = import_rosters(ctx, [path])
    assert (report.created, report.rejected) == (1, 0)
    details = contact_details(ctx, "aino@espoo.example")
    assert (details.role, details.title) == ("other", "Rehtori")
    path = _roster(
        tmp_path, "r.csv", "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;fi;Kuraattori"
    )
    report = import_rosters(ctx, [path])
    assert report.changed_fields == {"role": 1, "title": 1}
    details = contact_details(ctx, "aino@espoo.example")
    assert (details.role, details.title) == ("welfare", "Kuraattori")


def test_a_reimport_in_capitals_changes_nothing(ctx: Context, tmp_path: Path) -> None:
    path = _roster(tmp_path, "r.csv", "Aino;Järvinen;aino@espoo.example;Espoon kaupunki;Espoo;fi;")
    import_rosters(ctx, [path])
    path = _roster(tmp_path, "r.csv", "AINO;JÄRVINEN;AINO@ESPOO.EXAMPLE;ESPOON KAUPUNKI;Espoo;fi;")
    report = import_rosters(ctx, [path])
    assert (report.updated, report.unchanged, report.conflicts) == (0, 1, [])
    details = contact_details(ctx, "aino@espoo.example")
    assert (details.first_name, details.last_name) == ("Aino", "Järvinen")


def test_a_reimport_in_proper_case_fixes_capitals(ctx: Context, tmp_path: Path) -> None:
    path = _roster(tmp_path, "r.csv", "AINO;JÄRVINEN;aino@espoo.example;Espoon kaupunki;Espoo;fi;")
    import_rosters(ctx, [path])
    path = _roster(tmp_path, "r.csv", "Aino;Järvinen;aino@espoo.example;Espoon kaupunki;Espoo;fi;")
    report = import_rosters(ctx, [path])
    assert report.updated == 1
    assert contact_details(ctx, "aino@espoo.example").first_name == "Aino"
