"""PURE: from a roster file's bytes to header-mapped records with exact line numbers.

Roster files come as Lyyti or Excel exports (DOMAIN.md): `.xlsx`, or CSV in UTF-8 (with or
without a BOM) or Windows-1252, delimited by `;`, `,` or tab, with CRLF line ends and headers in
Finnish, Swedish or English. This module finds the encoding, the delimiter and the header, and
yields one `Record` per data line; `mailer.core.roster.rows` validates them.

Line accounting (the issue's "rows + header account for every line"): every physical line of a
CSV file (a line ends at CR, LF or CRLF) is exactly one of: blank (only spaces and delimiters,
or Excel's `sep=;` hint line), the header line, or part of a record. A record spanning several
lines (a line break inside a quoted field, usually an unclosed quote) is reported as a problem by
`mailer.core.roster.rows`. For XLSX a line is a sheet row up to the last non-empty one.

A file that cannot be read at all raises `RosterError`; `mailer.core.roster.rows.parse_roster`
turns that into a file-level problem, so parsing never raises.

Bounds (`Limits`): a roster is a few hundred rows, so anything far larger is refused as a whole
file, with a problem naming it, before it can take the machine's memory or minutes: the file
size, the rows, the header's columns (a sheet is read only as wide as its header: one cell in
column XFD must not widen every row to 16,384 cells), the length of a CSV field (an unclosed
quote) and the uncompressed size of an XLSX (a zip bomb), checked in the zip's directory before
openpyxl inflates anything.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from mailer.core.errors import RosterError
from mailer.core.roster.limits import LIMITS, Limits, header_width, size_text
from mailer.core.roster.reasons import Reason, RosterCode
from mailer.core.roster.xlsx import xlsx_rows

__all__ = [
    "FIELDS",
    "LIMITS",
    "Limits",
    "Record",
    "Table",
    "decode",
    "header_field",
    "read_table",
]

# Canonical field -> header names seen in Lyyti/Excel exports (fi, sv, en), compared after
# folding (case, spaces, punctuation). `name` is a single full-name column.
_ALIASES: dict[str, tuple[str, ...]] = {
    "email": (
        "email", "e-mail", "email address", "e-mail address", "mail", "sähköposti",
        "sähköpostiosoite", "sposti", "s-posti", "e-post", "epost", "e-postadress",
        "epostadress",
    ),
    "first_name": ("first name", "firstname", "given name", "forename", "etunimi", "förnamn"),
    "last_name": (
        "last name", "lastname", "surname", "family name", "sukunimi", "efternamn", "släktnamn",
    ),
    "name": ("name", "full name", "nimi", "koko nimi", "namn", "fullständigt namn", "hela namnet"),
    "organisation": (
        "organisation", "organization", "organisaatio", "org", "koulutuksen järjestäjä",
        "opetuksen järjestäjä", "anordnare", "utbildningsanordnare",
    ),
    "org_type": (
        "organisation type", "organization type", "org type", "organisaatiotyyppi",
        "organisaation tyyppi", "järjestäjätyyppi", "organisationstyp", "typ av organisation",
    ),
    "municipality": (
        "municipality", "municipality code", "kunta", "kuntanumero", "kuntakoodi",
        "kunnan numero", "kommun", "kommunnummer", "kommunkod",
    ),
    "region": (
        "region", "vip region", "alue", "yhteistyöalue", "vip alue", "erva alue", "område",
        "samarbetsområde", "vip område",
    ),
    "language": (
        "language", "kieli", "asiointikieli", "kirjeen kieli", "språk", "brevets språk",
    ),
    "role": ("role", "rooli", "roll", "vipu rooli", "vipu roll"),
    # the organisation's own address (its registry office): where an appointment request goes
    # when the organisation has no working VIPU contact (never mailed the monthly letter)
    "registry_email": (
        "registry email", "registry address", "organisation email", "organization email",
        "organisaation sähköposti", "kirjaamo", "kirjaamon sähköposti", "kirjaamon osoite",
        "organisationens e-post", "registratur", "registraturens e-post",
    ),
}  # fmt: skip

FIELDS = tuple(_ALIASES)

_DELIMITERS = (";", ",", "\t")
_PUNCTUATION = re.compile(r"[\s\-_.:*()/]+")


def _fold(text: str) -> str:
    """Header key: NFC, case-folded, punctuation and runs of spaces as one space."""
    text = unicodedata.normalize("NFC", text).casefold().replace("\ufeff", "").replace("\u200b", "")
    return " ".join(_PUNCTUATION.sub(" ", text).split())


_HEADER_INDEX: dict[str, str] = {
    _fold(alias): f for f, names in _ALIASES.items() for alias in names
}


def header_field(header: str) -> str | None:
    """The canonical field a header cell names ("  SÄHKÖPOSTI " -> "email"), or None."""
    return _HEADER_INDEX.get(_fold(header))


@dataclass(slots=True)
class Record:
    """One data line: its values by canonical field, where it sits in the file."""

    line: int
    end_line: int  # == line unless a quoted field spans lines
    values: dict[str, str]
    extra: int = 0  # non-empty cells beyond the header's columns
    error: str | None = None  # the csv module could not read the record (values are empty)


@dataclass
class Table:
    """A roster file read into header-mapped records, with the accounting of every line."""

    file: str
    format: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    lines: int = 0
    header_line: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # field -> header text as written
    ignored_columns: list[str] = field(default_factory=list)
    blank_lines: list[int] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)


def decode(file: str, data: bytes) -> tuple[str, str]:
    """(text, encoding). UTF-8 strictly first, then Windows-1252: the two encodings Excel and
    Lyyti write in Finland. Strict UTF-8 rarely accepts non-UTF-8 text by accident (multi-byte
    sequences must be well formed), so the order is predictable where a statistical detector
    (charset-normalizer) can guess differently on short files."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export: UTF-16 with a BOM, tab-delimited.
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as err:
            raise RosterError(file, Reason.of(RosterCode.UTF16_INVALID, detail=err.reason)) from err
    if b"\x00" in data:
        raise RosterError(file, Reason.of(RosterCode.BINARY_DATA))
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            reason = Reason.of(RosterCode.BOM_NOT_UTF8, byte=err.start + 3)
            raise RosterError(file, reason) from err
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as err:
        reason = Reason.of(RosterCode.ENCODING_UNKNOWN, byte=f"0x{data[err.start]:02x}")
        raise RosterError(file, reason) from err


def read_table(file: str, data: bytes, limits: Limits = LIMITS) -> Table:
    """Read a CSV or XLSX roster (sniffed from the bytes, not the name). Raises RosterError
    when the file cannot be read at all, has no usable header or exceeds a bound."""
    if len(data) > limits.file_bytes:
        limit = size_text(limits.file_bytes)
        raise RosterError(file, Reason.of(RosterCode.FILE_TOO_LARGE, limit=limit))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(file, data, limits)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterError(file, Reason.of(RosterCode.XLS_FORMAT))
    if file.lower().endswith((".xlsx", ".xlsm")):
        raise RosterError(file, Reason.of(RosterCode.XLSX_NOT_ZIP))
    return _read_csv(file, data, limits)


def _too_many_rows(file: str, limits: Limits) -> RosterError:
    reason = Reason.of(
        RosterCode.TOO_MANY_ROWS, count=limits.rows, count_grouped=f"{limits.rows:,}"
    )
    return RosterError(file, reason)


def _checkheader_width(file: str, line: int, header: list[str], limits: Limits) -> int:
    width = header_width(header)
    if width > limits.columns:
        reason = Reason.of(RosterCode.HEADER_TOO_WIDE, line=line, count=limits.columns)
        raise RosterError(file, reason)
    return width


def _is_blank(cells: list[str]) -> bool:
    return not "".join(cells).strip()


class _Required(NamedTuple):
    """A required column as the header-lacks-columns reason names it in each language."""

    en: str
    fi: str
    sv: str


_REQUIRED = (
    _Required("email (Sähköposti / E-post / Email)", "Sähköposti", "E-post"),
    _Required(
        "first and last name (Etunimi+Sukunimi / Förnamn+Efternamn / Name)",
        "Etunimi ja Sukunimi (tai Nimi)",
        "Förnamn och Efternamn (eller Namn)",
    ),
    _Required("organisation (Organisaatio / Organisation)", "Organisaatio", "Organisation"),
    _Required(
        "municipality or region (Kunta / Kommun / Municipality)",
        "Kunta (tai Alue)",
        "Kommun (eller Område)",
    ),
)


def _map_header(table: Table, cells: list[str]) -> dict[int, str]:
    """Column index -> field; the first column naming a field wins, the rest are ignored."""
    by_index: dict[int, str] = {}
    for index, cell in enumerate(cells):
        name = header_field(cell)
        if name is None or name in table.columns:
            if cell.strip():
                table.ignored_columns.append(cell.strip())
            continue
        by_index[index] = name
        table.columns[name] = cell.strip()
    keys = table.columns.keys()
    missing = [
        names
        for names, present in (
            (_REQUIRED[0], "email" in keys),
            (_REQUIRED[1], {"first_name", "last_name"} <= keys or "name" in keys),
            (_REQUIRED[2], "organisation" in keys),
            (_REQUIRED[3], bool(keys & {"municipality", "region"})),
        )
        if not present
    ]
    if missing:
        found = ", ".join(c.strip() for c in cells if c.strip())
        reason = Reason.of(
            RosterCode.HEADER_MISSING_COLUMNS,
            line=table.header_line,
            missing="; ".join(m.en for m in missing),
            missing_fi="; ".join(m.fi for m in missing),
            missing_sv="; ".join(m.sv for m in missing),
            found=found or "nothing",
        )
        raise RosterError(file=table.file, message=reason)
    return by_index


def _record(line: int, end: int, cells: list[str], by_index: dict[int, str], width: int) -> Record:
    if len(cells) < width:  # Excel drops trailing empty cells
        cells = cells + [""] * (width - len(cells))
    values = {name: cells[i] for i, name in by_index.items()}
    extra = sum(1 for cell in cells[width:] if cell.strip()) if len(cells) > width else 0
    return Record(line, end, values, extra)


def _sniff_delimiter(file: str, text: str) -> str:
    """The delimiter under which the first non-blank line names the most known columns
    (ties: the one occurring most often). csv.Sniffer guesses from character frequencies and
    fails on one-line or mostly-empty files; the header is the reliable witness."""
    first = next((ln for ln in re.split(r"\r\n|\r|\n", text) if ln.strip(" \t;,")), "")
    best, best_score = ";", (-1, -1)
    for delimiter in _DELIMITERS:
        try:
            cells = next(csv.reader([first], delimiter=delimiter), [])
        except csv.Error as err:  # a header field over the field limit
            raise RosterError(file, Reason.of(RosterCode.HEADER_UNREADABLE, detail=err)) from err
        known = {header_field(cell) for cell in cells} - {None}
        score = (len(known), first.count(delimiter))
        if score > best_score:
            best, best_score = delimiter, score
    return best


# Excel writes (and honours) a first line "sep=;" naming the delimiter.
_SEP_HINT = re.compile(r"sep=([;,\t])(?:\r\n|\r|\n|$)")


def _read_csv(file: str, data: bytes, limits: Limits) -> Table:
    text, encoding = decode(file, data)
    # process-wide in the csv module: set on every read, so nothing else can have raised it
    csv.field_size_limit(limits.field_chars)
    hint = _SEP_HINT.match(text)
    delimiter = hint.group(1) if hint else _sniff_delimiter(file, text)
    table = Table(file=file, format="csv", encoding=encoding, delimiter=delimiter)
    # newline="" keeps CR/LF inside quoted fields for the csv module (see the csv docs) and
    # splits lines at CR, LF and CRLF alike, so line_num counts physical lines.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    by_index: dict[int, str] | None = None
    width = 0
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            if reader.line_num == previous:
                reason = Reason.of(RosterCode.CSV_UNREADABLE, line=previous + 1, detail=err)
                raise RosterError(file, reason) from err
            if by_index is None:
                code = RosterCode.HEADER_LINE_UNREADABLE
                raise RosterError(file, Reason.of(code, line=previous + 1, detail=err)) from err
            # The record is unusable but its lines are accounted for, and reported.
            table.records.append(Record(previous + 1, reader.line_num, {}, error=str(err)))
            previous = reader.line_num
            continue
        line, end = previous + 1, reader.line_num
        previous = end
        if end > limits.rows:
            raise _too_many_rows(file, limits)
        if _is_blank(cells) or (hint and line == 1):  # the hint line carries no data
            table.blank_lines.extend(range(line, end + 1))
            continue
        if by_index is None:
            table.header_line = line
            width = _checkheader_width(file, line, cells, limits)
            by_index = _map_header(table, cells)
            continue
        table.records.append(_record(line, end, cells, by_index, width))
    table.lines = previous
    if by_index is None:
        raise RosterError(file, Reason.of(RosterCode.EMPTY_FILE))
    return table


def _read_xlsx(file: str, data: bytes, limits: Limits) -> Table:
    table = Table(file=file, format="xlsx")
    by_index: dict[int, str] | None = None
    width = 0
    for line, cells in xlsx_rows(file, data, limits):
        if line > limits.rows:
            raise _too_many_rows(file, limits)
        if _is_blank(cells):  # spaces only: counted with the blank rows below
            continue
        # Blank rows before the last non-blank one are lines of the roster; trailing ones
        # (formatting only) are not.
        table.blank_lines.extend(range(table.lines + 1, line))
        table.lines = line
        if by_index is None:
            table.header_line = line
            width = _checkheader_width(file, line, cells, limits)
            by_index = _map_header(table, [cell.replace("\n", " ") for cell in cells])
            continue
        table.records.append(_record(line, line, cells, by_index, width))
    if by_index is None:
        raise RosterError(file, Reason.of(RosterCode.EMPTY_SHEET))
    return table
