"""Row validation: every problem kind names its line and column; defaults per DOMAIN.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.core.models import Language, OrgType, Region, Role
from mailer.core.roster.rows import check_email, normalise_email, parse_roster

HEADER = [
    "Etunimi",
    "Sukunimi",
    "Sähköposti",
    "Organisaatio",
    "Tyyppi",
    "Kunta",
    "Alue",
    "Kieli",
    "Rooli",
]
HEADER[4] = "Organisaatiotyyppi"
GOOD = {
    "Etunimi": "Aino",
    "Sukunimi": "Mäkelä",
    "Sähköposti": "aino.makela@espoo.example",
    "Organisaatio": "Espoon kaupunki",
    "Organisaatiotyyppi": "",
    "Kunta": "Espoo",
    "Alue": "",
    "Kieli": "",
    "Rooli": "",
}


def parse_one(tmp_path: Path, **changes: str) -> tuple[list, list, list]:  # type: ignore[type-arg]
    values = GOOD | changes
    text = ";".join(HEADER) + "\r\n" + ";".join(values[h] for h in HEADER) + "\r\n"
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    parsed = parse_roster(path.name, path.read_bytes())
    return parsed.rows, parsed.problems, parsed.warnings


PROBLEMS = [
    pytest.param(
        {"Sähköposti": "aino.makela@"}, "Sähköposti", "invalid email", id="email-no-domain"
    ),
    pytest.param(
        {"Sähköposti": "aino makela@espoo.example"}, "Sähköposti", "invalid email", id="email-space"
    ),
    pytest.param({"Sähköposti": "aino@espoo"}, "Sähköposti", "invalid email", id="email-no-dot"),
    pytest.param(
        {"Sähköposti": "Aino <aino@espoo.example>"},
        "Sähköposti",
        "invalid email",
        id="email-display-name",
    ),
    pytest.param(
        {"Sähköposti": "a..b@espoo.example"}, "Sähköposti", "invalid email", id="email-double-dot"
    ),
    pytest.param(
        {"Sähköposti": "a@espoo.test"}, "Sähköposti", "invalid email", id="email-special-use-domain"
    ),
    pytest.param({"Sähköposti": ""}, "Sähköposti", "email is missing", id="email-missing"),
    pytest.param({"Etunimi": ""}, "Etunimi", "first name is missing", id="first-name-missing"),
    pytest.param({"Sukunimi": " "}, "Sukunimi", "last name is missing", id="last-name-missing"),
    pytest.param(
        {"Organisaatio": ""}, "Organisaatio", "organisation is missing", id="organisation-missing"
    ),
    pytest.param({"Kunta": ""}, "Kunta", "municipality is missing", id="municipality-missing"),
    pytest.param(
        {"Kunta": "Espo"}, "Kunta", "unknown municipality 'Espo'", id="municipality-unknown"
    ),
    pytest.param(
        {"Kunta": "999"}, "Kunta", "unknown municipality '999'", id="municipality-code-unknown"
    ),
    pytest.param(
        {"Kunta": "091 Espoo"}, "Kunta", "unknown municipality", id="code-and-name-disagree"
    ),
    pytest.param({"Kunta": "Maarianhamina"}, "Kunta", "Åland", id="aland-without-region"),
    pytest.param({"Kunta": "Jomala"}, "Kunta", "Åland", id="aland-sv-without-region"),
    pytest.param({"Alue": "Lappi"}, "Alue", "unknown region", id="region-unknown"),
    pytest.param({"Kieli": "englanti"}, "Kieli", "unknown language", id="language-bad"),
    pytest.param(
        {"Organisaatiotyyppi": "yhdistys"},
        "Organisaatiotyyppi",
        "unknown org type",
        id="org-type-bad",
    ),
    pytest.param({"Etunimi": "A" * 201}, "Etunimi", "longer than 200", id="name-too-long"),
    pytest.param(
        {"Organisaatio": "x\x07y"}, "Organisaatio", "control characters", id="control-character"
    ),
]


@pytest.mark.parametrize(("changes", "column", "reason"), PROBLEMS)
def test_each_problem_kind_rejects_the_row_naming_line_and_column(
    tmp_path: Path, changes: dict[str, str], column: str, reason: str
) -> None:
    rows, problems, _ = parse_one(tmp_path, **changes)
    assert rows == []
    assert [(p.file, p.line, p.column) for p in problems] == [("roster.csv", 2, column)]
    assert reason in problems[0].reason


def test_several_problems_in_one_row_are_all_reported(tmp_path: Path) -> None:
    rows, problems, _ = parse_one(tmp_path, Sähköposti="x@", Kieli="en", Organisaatiotyyppi="club")
    assert rows == []
    assert [p.column for p in problems] == ["Sähköposti", "Kieli", "Organisaatiotyyppi"]


ACCEPTED = [
    pytest.param({}, Region.HYKS, Language.FI, "049", id="bilingual-finnish-majority-defaults-fi"),
    pytest.param(
        {"Kunta": "Raasepori"}, Region.HYKS, Language.SV, "710", id="swedish-majority-defaults-sv"
    ),
    pytest.param(
        {"Kunta": "Korsholms kommun"},
        Region.TYKS,
        Language.SV,
        "499",
        id="swedish-name-with-suffix",
    ),
    pytest.param({"Kunta": "91"}, Region.HYKS, Language.FI, "091", id="code-without-zero"),
    pytest.param(
        {"Kunta": "Helsinki / Helsingfors"}, Region.HYKS, Language.FI, "091", id="both-names"
    ),
    pytest.param({"Kunta": "091 Helsinki"}, Region.HYKS, Language.FI, "091", id="code-and-name"),
    pytest.param(
        {"Kunta": "Vaasa", "Kieli": "ruotsi"},
        Region.TYKS,
        Language.SV,
        "905",
        id="explicit-sv-wins",
    ),
    pytest.param(
        {"Kunta": "Raasepori", "Kieli": "suomi"},
        Region.HYKS,
        Language.FI,
        "710",
        id="explicit-fi-wins",
    ),
    pytest.param(
        {"Kunta": "Maarianhamina", "Alue": "TYKS-alue"},
        Region.TYKS,
        Language.SV,
        "478",
        id="aland-with-region",
    ),
    pytest.param({"Kunta": "", "Alue": "kys"}, Region.KYS, Language.FI, None, id="region-only"),
]


@pytest.mark.parametrize(("changes", "region", "language", "code"), ACCEPTED)
def test_region_and_language_come_from_the_municipality_unless_given(
    tmp_path: Path, changes: dict[str, str], region: Region, language: Language, code: str | None
) -> None:
    rows, problems, warnings = parse_one(tmp_path, **changes)
    assert problems == []
    # a bilingual municipality's default language is worth a warning (test_roster_titles.py)
    assert all("is bilingual" in w.reason for w in warnings)
    (row,) = rows
    assert (row.region, row.language, row.municipality) == (region, language, code)
    assert (row.role, row.org_type) == (Role.SUPPORT, OrgType.MUNICIPALITY)


def test_explicit_region_wins_over_municipality_and_the_conflict_is_reported(
    tmp_path: Path,
) -> None:
    rows, problems, warnings = parse_one(tmp_path, Kunta="Tampere", Alue="HYKS")
    assert problems == []
    assert [r.region for r in rows] == [Region.HYKS]
    assert [(w.line, w.column) for w in warnings] == [(2, "Alue")]
    assert "Tampere is in tays" in warnings[0].reason


def test_unknown_municipality_with_explicit_region_is_kept_with_a_warning(tmp_path: Path) -> None:
    rows, problems, warnings = parse_one(tmp_path, Kunta="Useita kuntia", Alue="oys")
    assert problems == []
    assert [(r.region, r.municipality) for r in rows] == [(Region.OYS, None)]
    assert [(w.line, w.column) for w in warnings] == [(2, "Kunta")]


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("Rooli", "Opiskeluhuolto", Role.WELFARE),
        ("Rooli", "elev- och studerandevård", Role.WELFARE),
        ("Rooli", "VARHAISKASVATUS", Role.ECEC),
        ("Rooli", "småbarnspedagogik", Role.ECEC),
        ("Rooli", "stöd för lärande", Role.SUPPORT),
        ("Organisaatiotyyppi", "Normaalikoulu", OrgType.TRAINING_SCHOOL),
        ("Organisaatiotyyppi", "övningsskola", OrgType.TRAINING_SCHOOL),
        ("Organisaatiotyyppi", "yksityinen opetuksen järjestäjä", OrgType.PRIVATE),
        ("Organisaatiotyyppi", "training_school", OrgType.TRAINING_SCHOOL),
        ("Kieli", "Svenska", Language.SV),
        ("Kieli", "FI", Language.FI),
    ],
)
def test_choice_values_are_read_in_finnish_swedish_and_english(
    tmp_path: Path, field: str, text: str, expected: object
) -> None:
    rows, problems, _ = parse_one(tmp_path, **{field: text})
    assert problems == []
    attribute = {"Rooli": "role", "Organisaatiotyyppi": "org_type", "Kieli": "language"}[field]
    assert [getattr(r, attribute) for r in rows] == [expected]
    assert attribute in rows[0].explicit


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("  Anna.Virtanen@Espoo.Example ", "anna.virtanen@espoo.example"),
        ("\ufeffANNA@ESPOO.EXAMPLE\u200b", "anna@espoo.example"),
        ("Åsa.Öst@Åbo.example", "åsa.öst@åbo.example"),
    ],
)
def test_emails_are_normalised_to_the_merge_key(raw: str, normalised: str) -> None:
    assert normalise_email(raw) == normalised
    assert check_email(raw) == (normalised, None)


def _reference(text: str) -> str | None:
    try:
        return normalise_email(validate_email(text.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


ATOM = st.text(alphabet="abcXYZ019.-_+'!#", min_size=0, max_size=70)
DOMAIN = st.sampled_from(
    [
        "espoo.example",
        "ESPOO.example",
        "x",
        "a.b",
        "-bad.example",
        "a..b",
        "xn--5ca.example",
        "espoo.test",
        "localhost",
        "1.2.3.4",
        "ex_ample.com",
        "ää.example",
        "",
    ]
)


@settings(max_examples=200, deadline=None)
@given(local=ATOM, domain=DOMAIN, at=st.sampled_from(["@", "@@", ""]))
def test_fast_path_agrees_with_email_validator(local: str, domain: str, at: str) -> None:
    text = f"{local}{at}{domain}"
    got, reason = check_email(text)
    assert got == _reference(text)
    assert (reason is None) == (got is not None)
