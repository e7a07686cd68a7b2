"""Property: whatever bytes arrive, the parser reports problems and never raises, and every
line of a readable file is accounted for (header, blank, accepted or rejected)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.core.roster.read import header_field
from mailer.core.roster.rows import RosterFile, parse_roster

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_invariants(name: str, parsed: RosterFile) -> None:
    assert all(p.file == name for p in parsed.problems + parsed.warnings)
    if not parsed.readable:
        assert parsed.rows == []
        assert [(p.line, p.column) for p in parsed.problems] == [(None, None)]
        assert parsed.problems[0].reason
        return
    records = len(parsed.rows) + parsed.rejected
    assert 1 + len(parsed.blank_lines) + records + parsed.continuation_lines == parsed.lines
    # each rejected record has a problem on its first line; accepted rows have none
    problem_lines = {p.line for p in parsed.problems}
    assert len(problem_lines) == parsed.rejected
    assert problem_lines.isdisjoint(r.line for r in parsed.rows)
    assert all(p.line is not None and 1 < p.line <= parsed.lines for p in parsed.problems)
    assert all(r.email == r.email.strip().lower() and "@" in r.email for r in parsed.rows)


@SETTINGS
@given(data=st.binary(max_size=2000), name=st.sampled_from(["r.csv", "r.xlsx", "r.txt"]))
def test_random_bytes_never_raise(data: bytes, name: str) -> None:
    check_invariants(name, parse_roster(name, data))


@SETTINGS
@given(data=st.binary(max_size=600))
def test_random_bytes_after_a_zip_signature_never_raise(data: bytes) -> None:
    check_invariants("r.xlsx", parse_roster("r.xlsx", b"PK\x03\x04" + data))


HEADER_NAMES = [
    "Etunimi",
    "sukunimi",
    " SÄHKÖPOSTI ",
    "Organisaatio",
    "Kunta",
    "Kieli",
    "Rooli",
    "Alue",
    "Förnamn",
    "Efternamn",
    "E-post",
    "Kommun",
    "Språk",
    "Roll",
    "Email",
    "Name",
    "Nimi",
    "Organisation type",
    "Puhelin",
    "",
    "Region",
]
CELL = st.one_of(
    st.sampled_from(
        [
            "Aino",
            "Mäkelä",
            "aino@espoo.example",
            " Bo.Ek@Vasa.Example ",
            "Espoo",
            "Vasa",
            "091",
            "Maarianhamina",
            "hyks",
            "TAYS-alue",
            "sv",
            "ruotsi",
            "welfare",
            "Varhaiskasvatus",
            "kunta",
            "Normaalikoulu",
            "Virtanen, Anna",
            "",
            " ",
            "=HYPERLINK(1)",
            "x@",
            '"',
        ]
    ),
    st.text(max_size=12),
)


# A usable header most of the time (in one of the languages, with extra columns), so that
# rows get validated, not only the file rejected.
BASE_HEADERS = [
    ["Etunimi", "Sukunimi", "Sähköposti", "Organisaatio", "Kunta"],
    ["förnamn", " EFTERNAMN", "E-post", "Organisation", "Kommun"],
    ["Name", "Email", "Organization", "Region"],
]
VALUES = {
    "first_name": ["Aino", "Bo", ""],
    "last_name": ["Mäkelä", "Ek", ""],
    "email": ["aino@espoo.example", " Bo.Ek@Vasa.Example ", "x@", "c@oulu.example"],
    "organisation": ["Espoon kaupunki", "Vasa stad", ""],
    "municipality": ["Espoo", "Vasa", "091", "Maarianhamina", "Nowhere", ""],
    "region": ["hyks", "TAYS-alue", "Lappi", ""],
    "language": ["sv", "ruotsi", "klingon", ""],
    "role": ["welfare", "Varhaiskasvatus", "boss", ""],
    "name": ["Virtanen, Anna", "Anna Virtanen", "Cher"],
}


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    newline = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    extra = draw(st.lists(st.sampled_from(HEADER_NAMES), max_size=4))
    if draw(st.integers(0, 4)):
        header = draw(st.permutations(draw(st.sampled_from(BASE_HEADERS)) + extra))
    else:
        header = extra or ["Email"]

    def cell(column: str) -> str:
        known = VALUES.get(header_field(column) or "", [])
        if known and draw(st.integers(0, 5)):
            return draw(st.sampled_from(known))
        return draw(CELL)

    rows = [
        [cell(c) for c in header]
        if draw(st.integers(0, 3))
        else draw(st.lists(CELL, max_size=len(header) + 2))
        for _ in range(draw(st.integers(0, 12)))
    ]

    def quote(text: str) -> str:
        if draw(st.booleans()):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [delimiter.join(quote(c) for c in row) for row in [header, *rows]]
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


@SETTINGS
@given(data=csv_files())
def test_random_csv_shapes_never_raise_and_account_for_every_line(data: bytes) -> None:
    check_invariants("r.csv", parse_roster("r.csv", data))
