"""PURE: why a roster row or file is refused or noted, as a stable code with its values.

The CLI prints the English text (unchanged since the texts were f-strings); the workspace shows
the catalogue's `roster_reason_<code>` (templates/web/workspace/i18n/roster.<lang>.yaml) with the
same values. A `Reason` is that English text as a `str`, so every caller that only wants the
words (`check_email`'s callers, `RosterError`'s message, the tests) keeps them, and the code and
values travel with it to `RosterProblem`.

Values are kept as the user wrote them (unquoted): the English text quotes them as it always
did (`{value!r}`), a catalogue with its own quotation marks.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from string import Formatter
from types import MappingProxyType

__all__ = ["CATALOGUE_ONLY", "ENGLISH", "Reason", "RosterCode", "params_of"]


class RosterCode(StrEnum):
    """Every reason a roster row or file gets a problem or a warning."""

    # a value of a row (mailer.core.roster.values, rows)
    EMAIL_MISSING = "email_missing"
    EMAIL_INVALID = "email_invalid"
    # the email-validator reasons coordinators meet most, told in their language
    EMAIL_NO_AT = "email_no_at"
    EMAIL_NOTHING_BEFORE_AT = "email_nothing_before_at"
    EMAIL_NOTHING_AFTER_AT = "email_nothing_after_at"
    EMAIL_DOMAIN_NO_PERIOD = "email_domain_no_period"
    EMAIL_BAD_CHARACTER = "email_bad_character"
    EMAIL_MISPLACED_PERIOD = "email_misplaced_period"
    EMAIL_TOO_LONG = "email_too_long"
    REGISTRY_EMAIL_INVALID = "registry_email_invalid"
    REGISTRY_EMAIL_MISSING = "registry_email_missing"  # only invisible characters in the cell
    CONTROL_CHARACTERS = "control_characters"
    TOO_LONG = "too_long"
    CHOICE_UNKNOWN = "choice_unknown"
    NAME_UNSPLIT = "name_unsplit"
    FIRST_NAME_MISSING = "first_name_missing"
    LAST_NAME_MISSING = "last_name_missing"
    ORGANISATION_MISSING = "organisation_missing"
    REGION_UNKNOWN = "region_unknown"
    MUNICIPALITY_MISSING = "municipality_missing"
    MUNICIPALITY_UNKNOWN = "municipality_unknown"
    MUNICIPALITY_UNKNOWN_SUGGEST = "municipality_unknown_suggest"
    MUNICIPALITY_ALAND = "municipality_aland"
    # a whole row
    CSV_RECORD_UNREADABLE = "csv_record_unreadable"
    RECORD_SPANS_LINES = "record_spans_lines"
    EXTRA_VALUES = "extra_values"
    ROW_UNUSABLE = "row_unusable"
    MORE_PROBLEMS = "more_problems"
    # warnings on accepted rows (values, hints, the register)
    MUNICIPALITY_UNKNOWN_KEPT_REGION = "municipality_unknown_kept_region"
    MUNICIPALITY_UNKNOWN_SUGGEST_KEPT_REGION = "municipality_unknown_suggest_kept_region"
    REGION_CONFLICT = "region_conflict"
    BILINGUAL_FILL_LANGUAGE = "bilingual_fill_language"
    BILINGUAL_ADD_LANGUAGE = "bilingual_add_language"
    SWEDISH_HEADERS_NO_LANGUAGE = "swedish_headers_no_language"
    HELD_RETIRED = "held_retired"
    HELD_PENDING = "held_pending"
    ERASED = "erased"
    # a whole file (mailer.core.roster.read, xlsx; mailer.pipeline.roster)
    UTF16_INVALID = "utf16_invalid"
    BINARY_DATA = "binary_data"
    BOM_NOT_UTF8 = "bom_not_utf8"
    ENCODING_UNKNOWN = "encoding_unknown"
    FILE_TOO_LARGE = "file_too_large"
    XLS_FORMAT = "xls_format"
    XLSX_NOT_ZIP = "xlsx_not_zip"
    XLSX_UNREADABLE = "xlsx_unreadable"
    XLSX_TOO_MANY_PARTS = "xlsx_too_many_parts"
    XLSX_TOO_LARGE = "xlsx_too_large"
    TOO_MANY_ROWS = "too_many_rows"
    HEADER_TOO_WIDE = "header_too_wide"
    HEADER_MISSING_COLUMNS = "header_missing_columns"
    HEADER_UNREADABLE = "header_unreadable"
    HEADER_LINE_UNREADABLE = "header_line_unreadable"
    CSV_UNREADABLE = "csv_unreadable"
    EMPTY_FILE = "empty_file"
    EMPTY_SHEET = "empty_sheet"
    FILE_UNREADABLE = "file_unreadable"
    FILE_READ_FAILED = "file_read_failed"
    DUPLICATE_FILE_NAME = "duplicate_file_name"


# The English texts, exactly as the CLI printed them before the codes (its tests pin them).
ENGLISH: Mapping[RosterCode, str] = MappingProxyType(
    {
        RosterCode.EMAIL_MISSING: "email is missing",
        RosterCode.EMAIL_INVALID: "invalid email {value!r}: {detail}",
        **{
            code: "invalid email {value!r}: {detail}"
            for code in (
                RosterCode.EMAIL_NO_AT,
                RosterCode.EMAIL_NOTHING_BEFORE_AT,
                RosterCode.EMAIL_NOTHING_AFTER_AT,
                RosterCode.EMAIL_DOMAIN_NO_PERIOD,
                RosterCode.EMAIL_BAD_CHARACTER,
                RosterCode.EMAIL_MISPLACED_PERIOD,
                RosterCode.EMAIL_TOO_LONG,
            )
        },
        RosterCode.REGISTRY_EMAIL_INVALID: "organisation's address: invalid email {value!r}: "
        "{detail}",
        RosterCode.REGISTRY_EMAIL_MISSING: "organisation's address: email is missing",
        RosterCode.CONTROL_CHARACTERS: "{field} contains control characters",
        RosterCode.TOO_LONG: "{field} is longer than {limit} characters",
        RosterCode.CHOICE_UNKNOWN: "unknown {field} {value!r} (expected one of: {allowed})",
        RosterCode.NAME_UNSPLIT: "cannot split {value!r} into first and last name",
        RosterCode.FIRST_NAME_MISSING: "first name is missing",
        RosterCode.LAST_NAME_MISSING: "last name is missing",
        RosterCode.ORGANISATION_MISSING: "organisation is missing",
        RosterCode.REGION_UNKNOWN: "unknown region {value!r} (expected hyks, kys, tays, tyks or "
        "oys)",
        RosterCode.MUNICIPALITY_MISSING: "municipality is missing (or give the region)",
        RosterCode.MUNICIPALITY_UNKNOWN: "unknown municipality {value!r} and no region given",
        RosterCode.MUNICIPALITY_UNKNOWN_SUGGEST: "unknown municipality {value!r} and no region "
        "given (did you mean {suggestion}?)",
        RosterCode.MUNICIPALITY_ALAND: "{municipality} is in Åland, which is in no VIP region: "
        "give the region",
        RosterCode.CSV_RECORD_UNREADABLE: "unreadable CSV record: {detail}",
        RosterCode.RECORD_SPANS_LINES: "record spans lines {first}-{last}: a line break inside "
        "a quoted value (is a quote left open?)",
        RosterCode.EXTRA_VALUES: "{count} more value(s) than the header has columns (a "
        "delimiter inside an unquoted value?)",
        RosterCode.ROW_UNUSABLE: "row is not usable",
        RosterCode.MORE_PROBLEMS: "{count_grouped} more problems not listed",
        RosterCode.MUNICIPALITY_UNKNOWN_KEPT_REGION: "unknown municipality {value!r}: kept region "
        "{region}, municipality left empty",
        RosterCode.MUNICIPALITY_UNKNOWN_SUGGEST_KEPT_REGION: "unknown municipality {value!r} "
        "(did you mean {suggestion}?): kept region {region}, municipality left empty",
        RosterCode.REGION_CONFLICT: "region {region} given, but {municipality} is in "
        "{municipality_region}: kept {region}",
        RosterCode.BILINGUAL_FILL_LANGUAGE: "{municipality} is bilingual: language {language} by "
        "default ({count} contact(s), {lines_text}); fill in its language column to choose",
        RosterCode.BILINGUAL_ADD_LANGUAGE: "{municipality} is bilingual: language {language} by "
        "default ({count} contact(s), {lines_text}); add a language column to choose",
        RosterCode.SWEDISH_HEADERS_NO_LANGUAGE: "the headers are in Swedish but there is no "
        "language column: each contact gets their municipality's default language (Finnish in "
        "Espoo, Helsinki, Vantaa, …); add a column Språk (sv or fi) to choose",
        RosterCode.HELD_RETIRED: "{email} has left the role (retired): not mailed; a coordinator "
        "may reactivate them",
        RosterCode.HELD_PENDING: "{email} waits for a coordinator's approval (pending): not "
        "mailed until approved",
        RosterCode.ERASED: "{email} was erased on {date}; not imported; `--allow-erased` to add "
        "again",
        RosterCode.UTF16_INVALID: "not valid UTF-16 text: {detail}",
        RosterCode.BINARY_DATA: "binary data (NUL bytes): not a CSV text file",
        RosterCode.BOM_NOT_UTF8: "starts with a UTF-8 BOM but byte {byte} is not UTF-8",
        RosterCode.ENCODING_UNKNOWN: "neither UTF-8 nor Windows-1252 text (byte {byte})",
        RosterCode.FILE_TOO_LARGE: "larger than the {limit} a roster may be",
        RosterCode.XLS_FORMAT: "old Excel .xls format: save it as .xlsx or CSV",
        RosterCode.XLSX_NOT_ZIP: "not an XLSX workbook (not a zip archive)",
        RosterCode.XLSX_UNREADABLE: "not a readable XLSX workbook: {detail}",
        RosterCode.XLSX_TOO_MANY_PARTS: "XLSX with more than {count} parts",
        RosterCode.XLSX_TOO_LARGE: "XLSX that unpacks to {size}, more than the {limit} a roster "
        "may be",
        RosterCode.TOO_MANY_ROWS: "more than {count_grouped} rows: not a roster (split it)",
        RosterCode.HEADER_TOO_WIDE: "line {line}: the header has more than {count} columns",
        RosterCode.HEADER_MISSING_COLUMNS: "line {line}: header lacks required columns: "
        "{missing} (found: {found})",
        RosterCode.HEADER_UNREADABLE: "unreadable header line: {detail}",
        RosterCode.HEADER_LINE_UNREADABLE: "line {line}: unreadable header: {detail}",
        RosterCode.CSV_UNREADABLE: "line {line}: unreadable CSV: {detail}",
        RosterCode.EMPTY_FILE: "empty file: no header line",
        RosterCode.EMPTY_SHEET: "the first worksheet is empty: no header row",
        RosterCode.FILE_UNREADABLE: "{detail}",
        RosterCode.FILE_READ_FAILED: "cannot read {path}: {detail}",
        RosterCode.DUPLICATE_FILE_NAME: "another file of this import has the same name (sources "
        "are kept by name)",
    }
)


# Values a reason carries beyond those its English text names, for the catalogues: a count
# without English digit grouping, Swedish place names, the required columns in fi/sv.
CATALOGUE_ONLY: Mapping[RosterCode, frozenset[str]] = MappingProxyType(
    {
        RosterCode.MORE_PROBLEMS: frozenset({"count"}),
        RosterCode.TOO_MANY_ROWS: frozenset({"count"}),
        RosterCode.MUNICIPALITY_ALAND: frozenset({"municipality_sv"}),
        RosterCode.REGION_CONFLICT: frozenset({"municipality_sv"}),
        RosterCode.BILINGUAL_FILL_LANGUAGE: frozenset({"municipality_sv", "lines"}),
        RosterCode.BILINGUAL_ADD_LANGUAGE: frozenset({"municipality_sv", "lines"}),
        RosterCode.HEADER_MISSING_COLUMNS: frozenset({"missing_fi", "missing_sv"}),
    }
)


def params_of(code: RosterCode) -> frozenset[str]:
    """The names of the values a reason with `code` carries."""
    named = {name for _, name, _, _ in Formatter().parse(ENGLISH[code]) if name}
    return frozenset(named) | CATALOGUE_ONLY.get(code, frozenset())


class Reason(str):
    """A reason's English text (what the CLI prints), with its code and values for the
    workspace's catalogues. Build it with `Reason.of`."""

    code: RosterCode
    params: Mapping[str, str]

    @classmethod
    def of(cls, code: RosterCode, **params: object) -> Reason:
        values = {name: str(value) for name, value in params.items()}
        made = cls(ENGLISH[code].format(**values))
        made.code = code
        made.params = MappingProxyType(values)
        return made
