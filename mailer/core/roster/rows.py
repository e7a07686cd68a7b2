"""PURE: roster rows -> `RosterRow` or `RosterProblem`.

`parse_roster(file, data)` never raises: a file that cannot be read at all becomes one problem
with `line=None` and `readable=False`. Every other line ends as the header, a blank line, an
accepted row or a rejected row with at least one problem naming its line and column (the header
text as written in the file, or None when the whole row is bad).

Reading bytes into records lives in `mailer.core.roster.read`, the value rules (email, names,
vocabularies, places) in `mailer.core.roster.values`, merging duplicates and diffing against the
register in `mailer.core.roster.merge`. `normalise_email` is re-exported here (the shared contract).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from mailer.core.errors import RosterError
from mailer.core.models import Language, OrgType, Region, Role
from mailer.core.regions import Municipality, default_language
from mailer.core.roster.hints import file_hints
from mailer.core.roster.read import LIMITS, Limits, Record, Table, read_table
from mailer.core.roster.reasons import Reason, RosterCode
from mailer.core.roster.values import (
    LANGUAGES,
    ORG_TYPES,
    check_email,
    clean,
    has_control,
    lookup,
    normalise_email,
    parse_role,
    resolve_place,
    split_name,
)

_E = TypeVar("_E", Language, Role, OrgType)

__all__ = [
    "RosterFile",
    "RosterProblem",
    "RosterRow",
    "check_email",
    "normalise_email",
    "parse_roster",
    "split_name",
]

# Column widths of the contacts table (mailer.store.contacts): longer values are problems,
# never silently cut.
MAX_NAME = 200
MAX_ORGANISATION = 300
MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class RosterProblem:
    file: str
    line: int | None  # 1-based file line (header = 1); sheet row for XLSX; None: whole file
    column: str | None  # the header as written in the file; None: the whole row
    reason: str  # English, for the CLI and the logs
    # what the workspace translates: `roster_reason_<code>` with these values
    code: RosterCode
    params: dict[str, str] = field(default_factory=dict, hash=False)  # hashable, as before

    @classmethod
    def of(cls, file: str, line: int | None, column: str | None, reason: Reason) -> RosterProblem:
        return cls(file, line, column, str(reason), reason.code, dict(reason.params))

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "reason": self.reason,
            "code": self.code.value,
            "params": dict(self.params),
        }


@dataclass(slots=True)  # not frozen: a frozen init costs 2x at 100,000 rows
class RosterRow:
    """An accepted row: validated, with region and language resolved."""

    file: str
    line: int
    email: str  # normalised
    first_name: str
    last_name: str
    organisation: str
    org_type: OrgType
    municipality: str | None  # municipality code
    region: Region
    language: Language
    role: Role
    # fields whose value the file stated (the others are defaults): explicit beats default
    explicit: frozenset[str] = frozenset()
    title: str | None = None  # the job title as written, when the role column held one
    registry_email: str | None = None  # the organisation's own address (normalised), if given

    @property
    def sources(self) -> dict[str, int]:
        """file -> line where the contact was seen (one row: its own)."""
        return {self.file: self.line}

    def values(self) -> tuple[str | None, ...]:
        """The stored roster fields (first_name, last_name, organisation, org_type,
        municipality, region, language, role, title) with enums as text. Spelled out: this runs
        per contact."""
        return (
            self.first_name,
            self.last_name,
            self.organisation,
            self.org_type.value,
            self.municipality,
            self.region.value,
            self.language.value,
            self.role.value,
            self.title,
        )


@dataclass
class RosterFile:
    """One roster file, parsed: accepted rows, problems, and the accounting of its lines."""

    file: str
    readable: bool = True
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    lines: int = 0
    header_line: int | None = None
    blank_lines: list[int] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)  # rejected rows, bad files
    warnings: list[RosterProblem] = field(default_factory=list)  # accepted rows, with a notice
    rejected: int = 0  # records (not problems: a row may have several)
    continuation_lines: int = 0  # lines of rejected records beyond their first


class _RowCheck:
    """Validation of one record; collects every problem so one pass shows all of them."""

    __slots__ = ("columns", "file", "line", "problems")

    def __init__(self, file: str, line: int, columns: dict[str, str]) -> None:
        self.file = file
        self.line = line
        self.columns = columns
        self.problems: list[RosterProblem] = []

    def start(self, line: int) -> _RowCheck:
        """Reuse for the next record (one object per file, not per row)."""
        self.line = line
        self.problems = []
        return self

    def fail(self, name: str | None, reason: Reason) -> None:
        column = self.columns.get(name) if name else None
        self.problems.append(RosterProblem.of(self.file, self.line, column, reason))


def _text_field(check: _RowCheck, values: dict[str, str], name: str, limit: int) -> str:
    value = values.get(name, "").strip()  # a trailing CR/LF is a line end, not data
    if "  " in value or not value.isprintable():  # the common clean value skips both scans
        if has_control(value):
            check.fail(name, Reason.of(RosterCode.CONTROL_CHARACTERS, field=name.replace("_", " ")))
            return ""
        value = clean(value)
    if len(value) > limit:
        words = name.replace("_", " ")
        check.fail(name, Reason.of(RosterCode.TOO_LONG, field=words, limit=limit))
    return value


def _choice(
    check: _RowCheck, values: dict[str, str], name: str, table: Mapping[str, _E]
) -> _E | None:
    raw = clean(values.get(name, ""))
    if not raw:
        return None
    found = lookup(table, raw)
    if found is None:
        allowed = ", ".join(sorted({str(v) for v in table.values()}))
        words = name.replace("_", " ")
        check.fail(
            name, Reason.of(RosterCode.CHOICE_UNKNOWN, field=words, value=raw, allowed=allowed)
        )
    return found


def _role(check: _RowCheck, values: dict[str, str]) -> tuple[Role | None, str | None]:
    """Role and job title; an unknown title is role `other`, never a rejected row."""
    raw = _text_field(check, values, "role", MAX_TITLE)
    if not raw:
        return None, None
    return parse_role(raw)


def _names(check: _RowCheck, values: dict[str, str]) -> tuple[str, str]:
    first = _text_field(check, values, "first_name", MAX_NAME)
    last = _text_field(check, values, "last_name", MAX_NAME)
    if not (first and last) and "name" in check.columns:
        full = _text_field(check, values, "name", MAX_NAME * 2)
        if full and not first and not last:
            split = split_name(full)
            if split is None:
                check.fail("name", Reason.of(RosterCode.NAME_UNSPLIT, value=full))
                return "", ""
            return split
    if not first:
        column = "first_name" if "first_name" in check.columns else "name"
        check.fail(column, Reason.of(RosterCode.FIRST_NAME_MISSING))
    if not last:
        column = "last_name" if "last_name" in check.columns else "name"
        check.fail(column, Reason.of(RosterCode.LAST_NAME_MISSING))
    return first, last


def _place(
    check: _RowCheck, values: dict[str, str], warnings: list[RosterProblem]
) -> tuple[Municipality | None, Region | None, bool]:
    municipality, region, explicit, problem, warning = resolve_place(
        clean(values.get("municipality", "")), clean(values.get("region", ""))
    )
    if problem is not None:
        check.fail(*problem)
    if warning is not None:
        name, reason = warning
        warnings.append(RosterProblem.of(check.file, check.line, check.columns.get(name), reason))
    return municipality, region, explicit


# RosterRow.explicit for (region, language, role, org_type) stated or not: 16 shared sets. A
# stated role states the title too (none, for a plain role word).
_EXPLICIT = {
    flags: frozenset(
        n for n, f in zip(("region", "language", "role", "org_type"), flags, strict=True) if f
    )
    | ({"title"} if flags[2] else set())
    for flags in itertools.product((False, True), repeat=4)
}


def _registry_email(check: _RowCheck, values: dict[str, str]) -> str | None:
    raw = values.get("registry_email", "").strip()
    if not raw:
        return None
    address, reason = check_email(raw)
    if reason is not None:
        code = RosterCode.REGISTRY_EMAIL_INVALID
        if reason.code is RosterCode.EMAIL_MISSING:  # a cell of zero-width spaces only
            code = RosterCode.REGISTRY_EMAIL_MISSING
        check.fail("registry_email", Reason.of(code, **reason.params))
    return address


def validate_record(
    file: str,
    record: Record,
    columns: dict[str, str],
    warnings: list[RosterProblem],
    check: _RowCheck | None = None,
) -> RosterRow | list[RosterProblem]:
    """One record -> an accepted row, or the list of its problems (never empty)."""
    check = (check or _RowCheck(file, record.line, columns)).start(record.line)
    if record.error is not None:
        check.fail(None, Reason.of(RosterCode.CSV_RECORD_UNREADABLE, detail=record.error))
        return check.problems
    if record.end_line > record.line:
        spans = Reason.of(RosterCode.RECORD_SPANS_LINES, first=record.line, last=record.end_line)
        check.fail(None, spans)
        return check.problems
    if record.extra:
        check.fail(None, Reason.of(RosterCode.EXTRA_VALUES, count=record.extra))
        return check.problems
    values = record.values
    email, reason = check_email(values.get("email", ""))
    if reason is not None:
        check.fail("email", reason)
    first, last = _names(check, values)
    before = len(check.problems)
    organisation = _text_field(check, values, "organisation", MAX_ORGANISATION)
    if not organisation and len(check.problems) == before:
        check.fail("organisation", Reason.of(RosterCode.ORGANISATION_MISSING))
    row_warnings: list[RosterProblem] = []
    municipality, region, region_explicit = _place(check, values, row_warnings)
    language = _choice(check, values, "language", LANGUAGES)
    role, title = _role(check, values)
    org_type = _choice(check, values, "org_type", ORG_TYPES)
    registry_email = _registry_email(check, values)
    if check.problems or email is None or region is None:
        unusable = Reason.of(RosterCode.ROW_UNUSABLE)
        return check.problems or [RosterProblem.of(file, record.line, None, unusable)]
    warnings.extend(row_warnings)
    explicit = _EXPLICIT[
        region_explicit, language is not None, role is not None, org_type is not None
    ]
    if language is None:
        language = default_language(municipality) if municipality else Language.FI
    return RosterRow(
        file=file,
        line=record.line,
        email=email,
        first_name=first,
        last_name=last,
        organisation=organisation,
        org_type=org_type or OrgType.MUNICIPALITY,
        municipality=municipality.code if municipality else None,
        region=region,
        language=language,
        role=role or Role.SUPPORT,
        explicit=explicit,
        title=title,
        registry_email=registry_email,
    )


def _cap_problems(result: RosterFile, limit: int) -> None:
    """List at most `limit` problems; one last problem counts the rest (a broken export can
    have a problem on each of 100,000 lines, and nobody reads past the first few hundred)."""
    hidden = len(result.problems) - limit
    if hidden > 0:
        del result.problems[limit:]
        more = Reason.of(RosterCode.MORE_PROBLEMS, count=hidden, count_grouped=f"{hidden:,}")
        result.problems.append(RosterProblem.of(result.file, None, None, more))


def _from_table(table: Table, limits: Limits) -> RosterFile:
    result = RosterFile(
        file=table.file,
        format=table.format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        lines=table.lines,
        header_line=table.header_line,
        blank_lines=table.blank_lines,
        ignored_columns=table.ignored_columns,
    )
    check = _RowCheck(table.file, 0, table.columns)
    for record in table.records:
        outcome = validate_record(table.file, record, table.columns, result.warnings, check)
        if isinstance(outcome, RosterRow):
            result.rows.append(outcome)
        else:
            result.problems.extend(outcome)
            result.rejected += 1
            result.continuation_lines += record.end_line - record.line
    for line, column, reason in file_hints(result.rows, table.columns, table.header_line):
        result.warnings.append(RosterProblem.of(table.file, line, column, reason))
    _cap_problems(result, limits.problems)
    return result


def parse_roster(file: str, data: bytes, limits: Limits = LIMITS) -> RosterFile:
    """Parse one roster file (CSV or XLSX, sniffed from the bytes). Never raises."""
    try:
        table = read_table(file, data, limits)
    except RosterError as err:
        reason = err.message
        if not isinstance(reason, Reason):  # every reader raises with a Reason; this is a net
            reason = Reason.of(RosterCode.FILE_UNREADABLE, detail=reason)
        return RosterFile(
            file=file, readable=False, problems=[RosterProblem.of(file, None, None, reason)]
        )
    return _from_table(table, limits)
