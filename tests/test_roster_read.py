"""Roster files as they arrive: encodings, delimiters, line ends, header languages, XLSX."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from mailer.core.models import Language, OrgType, Region, Role
from mailer.core.roster.rows import RosterFile, parse_roster

FI_HEADER = ["Etunimi", "Sukunimi", "Sähköposti", "Organisaatio", "Kunta"]
ROW_ESPOO = ["Aino", "Mäkelä", "aino.makela@espoo.example", "Espoon kaupunki", "Espoo"]
ROW_VAASA = ["Björn", "Öst", "bjorn.ost@vaasa.example", "Vasa stad", "Vasa"]


def _csv(rows: list[list[str]], delimiter: str = ";", newline: str = "\r\n") -> str:
    return newline.join(delimiter.join(row) for row in rows) + newline


def parse_file(tmp_path: Path, name: str, data: bytes) -> RosterFile:
    path = tmp_path / name
    path.write_bytes(data)
    return parse_roster(path.name, path.read_bytes())


def assert_every_line_accounted(parsed: RosterFile) -> None:
    records = len(parsed.rows) + parsed.rejected
    header = 1 if parsed.header_line else 0
    assert header + len(parsed.blank_lines) + records + parsed.continuation_lines == parsed.lines


ENCODINGS = [
    pytest.param(lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), "utf-8-sig", id="utf8-bom"),
    pytest.param(lambda t: t.encode("utf-8"), "utf-8", id="utf8"),
    pytest.param(lambda t: t.encode("cp1252"), "cp1252", id="windows-1252"),
    pytest.param(lambda t: t.encode("utf-16"), "utf-16", id="utf16-excel-unicode-text"),
]


@pytest.mark.parametrize(("encode", "expected"), ENCODINGS)
def test_encoding_is_detected_and_scandinavian_letters_survive(
    tmp_path: Path, encode: object, expected: str
) -> None:
    text = _csv([FI_HEADER, ROW_ESPOO, ROW_VAASA])
    parsed = parse_file(tmp_path, "r.csv", encode(text))  # type: ignore[operator]
    assert parsed.encoding == expected
    assert [(r.first_name, r.last_name) for r in parsed.rows] == [
        ("Aino", "Mäkelä"),
        ("Björn", "Öst"),
    ]
    assert parsed.problems == []


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_delimiter_and_line_ends_are_detected(tmp_path: Path, delimiter: str, newline: str) -> None:
    text = _csv([FI_HEADER, ROW_ESPOO, ROW_VAASA], delimiter, newline)
    parsed = parse_file(tmp_path, "r.csv", text.encode("utf-8"))
    assert parsed.delimiter == delimiter
    assert [r.line for r in parsed.rows] == [2, 3]
    assert parsed.lines == 3
    assert_every_line_accounted(parsed)


def test_comma_inside_quoted_value_is_not_a_delimiter(tmp_path: Path) -> None:
    text = (
        "Email,Name,Organisation,Municipality\r\n"
        'anna@espoo.example,"Virtanen, Anna","Espoo, sivistys",Espoo\r\n'
    )
    parsed = parse_file(tmp_path, "r.csv", text.encode())
    assert [(r.first_name, r.last_name, r.organisation) for r in parsed.rows] == [
        ("Anna", "Virtanen", "Espoo, sivistys")
    ]


HEADERS = [
    pytest.param([*FI_HEADER, "Kieli", "Rooli"], id="finnish"),
    pytest.param(
        ["Förnamn", "Efternamn", "E-post", "Organisation", "Kommun", "Språk", "Roll"], id="swedish"
    ),
    pytest.param(
        ["First name", "Last name", "Email", "Organisation", "Municipality", "Language", "Role"],
        id="english",
    ),
    pytest.param(
        [
            " ETUNIMI ",
            "sukunimi",
            "  Sähköpostiosoite*",
            "ORGANISAATIO",
            " kunta ",
            "KIELI",
            "rooli ",
        ],
        id="case-and-spaces",
    ),
    pytest.param(
        ["first_name", "LAST-NAME", "E-Mail", "organization", "Kommun ", "language", "Roll"],
        id="mixed",
    ),
]


@pytest.mark.parametrize("header", HEADERS)
def test_header_in_any_language_case_and_spacing_maps_to_fields(
    tmp_path: Path, header: list[str]
) -> None:
    row = [
        "Bo",
        "Ek",
        " Bo.Ek@Korsholm.Example ",
        "Korsholms kommun",
        "Korsholm",
        "svenska",
        "elevvård",
    ]
    parsed = parse_file(tmp_path, "r.csv", _csv([header, row]).encode())
    assert parsed.problems == []
    (got,) = parsed.rows
    assert (got.email, got.first_name, got.last_name) == ("bo.ek@korsholm.example", "Bo", "Ek")
    assert (got.municipality, got.region, got.language, got.role) == (
        "499",
        Region.TYKS,
        Language.SV,
        Role.WELFARE,
    )


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [
        ("Anna Virtanen", "Anna", "Virtanen"),
        ("Anna-Liisa  Virtanen", "Anna-Liisa", "Virtanen"),
        ("Anna Maria Virtanen", "Anna Maria", "Virtanen"),
        ("Virtanen, Anna", "Anna", "Virtanen"),
        ("Georg Henrik von Wright", "Georg Henrik", "von Wright"),
    ],
)
def test_single_name_column_is_split_into_first_and_last(
    tmp_path: Path, full: str, first: str, last: str
) -> None:
    rows = [
        ["Nimi", "Sähköposti", "Organisaatio", "Kunta"],
        [f'"{full}"', "a@espoo.example", "Espoo", "Espoo"],
    ]
    parsed = parse_file(tmp_path, "r.csv", _csv(rows).encode())
    assert [(r.first_name, r.last_name) for r in parsed.rows] == [(first, last)]


def test_one_word_name_cannot_be_split_and_is_reported(tmp_path: Path) -> None:
    rows = [
        ["Name", "Email", "Organisation", "Municipality"],
        ["Cher", "c@espoo.example", "Espoo", "Espoo"],
    ]
    parsed = parse_file(tmp_path, "r.csv", _csv(rows).encode())
    assert parsed.rows == []
    assert [(p.line, p.column) for p in parsed.problems] == [(2, "Name")]
    assert "cannot split" in parsed.problems[0].reason


def _xlsx(path: Path, rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path.read_bytes()


def test_xlsx_with_numeric_codes_blank_rows_and_sheet_row_numbers(tmp_path: Path) -> None:
    data = _xlsx(
        tmp_path / "r.xlsx",
        [
            ["Nimi", "Sähköposti", "Organisaatio", "Kuntanumero", "Rooli"],
            ["Pasi Jokela", "pasi.jokela@raahe.example", "Raahen kaupunki", 678, "Oppimisen tuki"],
            [None, None, None, None, None],
            ["Noora Sipilä", "noora@forssa.example", "Forssan kaupunki", 61.0, "Varhaiskasvatus"],
            ["Ei Sähköpostia", None, "Kemin kaupunki", 240, None],
        ],
    )
    parsed = parse_roster("r.xlsx", data)
    assert parsed.format == "xlsx"
    assert [(r.line, r.municipality, r.region, r.role) for r in parsed.rows] == [
        (2, "678", Region.OYS, Role.SUPPORT),
        (4, "061", Region.TAYS, Role.ECEC),
    ]
    assert [(p.line, p.column) for p in parsed.problems] == [(5, "Sähköposti")]
    assert parsed.blank_lines == [3]
    assert_every_line_accounted(parsed)


def test_blank_lines_and_delimiter_only_lines_are_counted_not_rejected(tmp_path: Path) -> None:
    text = (
        "\r\n"
        + _csv([FI_HEADER, ROW_ESPOO])
        + ";;;;\r\n  \r\n"
        + ";".join(ROW_VAASA)
        + "\r\n;;;;\r\n"
    )
    parsed = parse_file(tmp_path, "r.csv", text.encode())
    assert parsed.header_line == 2
    assert parsed.blank_lines == [1, 4, 5, 7]
    assert [r.line for r in parsed.rows] == [3, 6]
    assert parsed.problems == []
    assert_every_line_accounted(parsed)


def test_unclosed_quote_swallowing_lines_is_one_rejected_record_spanning_them(
    tmp_path: Path,
) -> None:
    text = _csv([FI_HEADER, ['"Aino', *ROW_ESPOO[1:]], ROW_VAASA, ROW_ESPOO])
    parsed = parse_file(tmp_path, "r.csv", text.encode())
    assert parsed.rows == []
    assert [(p.line, p.column) for p in parsed.problems] == [(2, None)]
    assert "lines 2-4" in parsed.problems[0].reason
    assert_every_line_accounted(parsed)


def test_ignored_columns_are_listed_and_values_beyond_the_header_are_rejected(
    tmp_path: Path,
) -> None:
    text = _csv([[*FI_HEADER, "Puhelin"], [*ROW_ESPOO, "040 123"], [*ROW_VAASA, "", "extra"]])
    parsed = parse_file(tmp_path, "r.csv", text.encode())
    assert parsed.ignored_columns == ["Puhelin"]
    assert [r.line for r in parsed.rows] == [2]
    assert [(p.line, p.column) for p in parsed.problems] == [(3, None)]


UNREADABLE = [
    pytest.param("r.csv", b"", "empty file", id="empty"),
    pytest.param("r.csv", b"\r\n;;;\r\n", "empty file", id="only-blank-lines"),
    pytest.param(
        "r.csv", b"\x81\x8d\x90 not text", "neither UTF-8 nor Windows-1252", id="undecodable"
    ),
    pytest.param("r.csv", b"\x00\x01binary", "binary data", id="binary"),
    pytest.param("r.xlsx", b"PK\x03\x04broken zip", "not a readable XLSX", id="broken-xlsx"),
    pytest.param("r.xlsx", b"Email;Name\r\n", "not an XLSX workbook", id="csv-named-xlsx"),
    pytest.param("r.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel .xls", id="xls"),
    pytest.param(
        "r.csv",
        b"Etunimi;Sukunimi;Kunta\r\nA;B;Espoo\r\n",
        "lacks required columns: email",
        id="no-email-column",
    ),
    pytest.param(
        "r.csv",
        b"Email;Municipality\r\na@b.example;Espoo\r\n",
        "first and last name",
        id="no-name-columns",
    ),
]


@pytest.mark.parametrize(("name", "data", "reason"), UNREADABLE)
def test_unreadable_file_is_one_file_level_problem_not_an_exception(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    parsed = parse_file(tmp_path, name, data)
    assert not parsed.readable
    assert parsed.rows == []
    assert [(p.file, p.line, p.column) for p in parsed.problems] == [(name, None, None)]
    assert reason in parsed.problems[0].reason


def test_sample_rosters_import_clean_with_every_line_accounted() -> None:
    root = Path(__file__).resolve().parent.parent / "recipients"
    files = sorted(root.glob("*.csv")) + sorted(root.glob("*.xlsx"))
    assert len(files) >= 4
    results = {p.name: parse_roster(p.name, p.read_bytes()) for p in files}
    for parsed in results.values():
        assert parsed.problems == [], parsed.file
        # only the notice that a bilingual municipality's language was left to the default
        assert all("is bilingual" in w.reason for w in parsed.warnings), parsed.file
        assert_every_line_accounted(parsed)
    rows = [r for parsed in results.values() for r in parsed.rows]
    assert {r.region for r in rows} == set(Region)
    assert {r.language for r in rows} == set(Language)
    assert {r.role for r in rows} == set(Role) - {Role.OTHER}  # job titles: test_roster_titles
    assert {r.org_type for r in rows} == set(OrgType)
    assert {(p.format, p.encoding, p.delimiter) for p in results.values()} >= {
        ("csv", "utf-8-sig", ";"),
        ("csv", "cp1252", "\t"),
        ("xlsx", None, None),
    }


def test_a_second_column_for_the_same_field_is_ignored_and_listed(tmp_path: Path) -> None:
    text = _csv([[*FI_HEADER, "Email"], [*ROW_ESPOO, "other@espoo.example"]])
    parsed = parse_file(tmp_path, "r.csv", text.encode())
    assert parsed.ignored_columns == ["Email"]
    assert [r.email for r in parsed.rows] == ["aino.makela@espoo.example"]


def test_xlsx_header_below_empty_rows_keeps_sheet_row_numbers(tmp_path: Path) -> None:
    data = _xlsx(tmp_path / "r.xlsx", [[None], [None], FI_HEADER, ROW_ESPOO])
    parsed = parse_roster("r.xlsx", data)
    assert (parsed.header_line, parsed.blank_lines, [r.line for r in parsed.rows]) == (
        3,
        [1, 2],
        [4],
    )
    assert_every_line_accounted(parsed)


def test_excel_sep_hint_line_names_the_delimiter_and_counts_as_blank(tmp_path: Path) -> None:
    text = "sep=,\r\n" + _csv([FI_HEADER, ROW_ESPOO], ",")
    parsed = parse_file(tmp_path, "r.csv", text.encode("utf-8-sig"))
    assert (parsed.delimiter, parsed.header_line, parsed.blank_lines) == (",", 2, [1])
    assert [r.line for r in parsed.rows] == [3]
    assert_every_line_accounted(parsed)


def test_a_record_the_csv_module_cannot_read_is_rejected_and_the_rest_imported(
    tmp_path: Path,
) -> None:
    huge = "x" * 200_000  # beyond the csv module's field size limit
    text = _csv([FI_HEADER, [*ROW_ESPOO[:3], huge, "Espoo"], ROW_VAASA])
    parsed = parse_file(tmp_path, "r.csv", text.encode())
    assert [r.line for r in parsed.rows] == [3]
    assert [(p.line, p.column) for p in parsed.problems] == [(2, None)]
    assert "field limit" in parsed.problems[0].reason
    assert_every_line_accounted(parsed)
