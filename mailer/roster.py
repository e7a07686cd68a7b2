"""PURE: roster rows -> `RosterRow` or `RosterProblem`; email normalisation.

`parse_roster(file, data)` never raises: a file that cannot be read at all becomes one problem
with `line=None` and `readable=False`. Every other line ends as the header, a blank line, an
accepted row or a rejected row with at least one problem naming its line and column (the header
text as written in the file, or None when the whole row is bad).

Merging duplicates and diffing against the register live in `mailer.roster_merge`.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

from email_validator import EmailNotValidError, validate_email

from mailer.errors import RosterError
from mailer.models import Language, OrgType, Region, Role
from mailer.regions import Municipality, default_language, find_municipality, parse_region
from mailer.roster_read import Record, Table, read_table

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


@dataclass(frozen=True, slots=True)
class RosterProblem:
    file: str
    line: int | None  # 1-based file line (header = 1); sheet row for XLSX; None: whole file
    column: str | None  # the header as written in the file; None: the whole row
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column, "reason": self.reason}


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


def normalise_email(text: str) -> str:
    """The merge key of the register: trimmed, NFC, lower-cased local part and domain.

    Lower-casing the local part goes beyond RFC 5321 (which leaves it case-sensitive), but no
    mailbox provider our contacts use distinguishes case, and the same person arrives as
    Anna.Virtanen@ and anna.virtanen@ from two files."""
    return unicodedata.normalize("NFC", text.strip().strip("\ufeff\u200b").strip()).lower()


# RFC 5322 dot-atom, ASCII only: email-validator accepts every such local part (up to 64
# octets), so those skip the full check; the domain is still checked by email-validator, once
# per distinct domain (a roster has a few hundred). Everything else takes the full path.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*", re.ASCII)


@lru_cache(maxsize=4096)
def _check_domain(domain: str) -> tuple[str | None, str | None]:
    """(normalised domain, None) when `x@domain` is valid, else (None, email-validator's
    reason). Normalised as email-validator does it (IDNA: xn--5ca.example -> å.example)."""
    try:
        result = validate_email("x@" + domain, check_deliverability=False)
    except EmailNotValidError as err:
        return None, str(err)
    return result.domain.lower(), None


def check_email(text: str) -> tuple[str | None, str | None]:
    """(normalised email, None) or (None, reason). Syntax only (email-validator), no DNS:
    deliverability is learned from bounces, and tests and CI have no network."""
    candidate = text.strip().strip("\ufeff\u200b").strip()
    if not candidate:
        return None, "email is missing"
    local, at, domain = candidate.rpartition("@")
    if (
        at
        and len(local) <= 64
        and len(candidate) <= 254
        and candidate.isascii()
        and _DOT_ATOM.fullmatch(local)
    ):
        normalised, reason = _check_domain(domain)
        if normalised is not None:
            return f"{local.lower()}@{normalised}", None
        return None, f"invalid email {candidate!r}: {reason}"
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as err:
        return None, f"invalid email {candidate!r}: {err}"
    return normalise_email(result.normalized), None


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(re.sub(r"[\s\-_.,/]+", " ", text).split())


_E = TypeVar("_E", Language, Role, OrgType)


def _table(pairs: dict[str, tuple[str, ...]], make: type[_E]) -> dict[str, _E]:
    return {_fold(alias): make(value) for value, aliases in pairs.items() for alias in aliases}


_LANGUAGES: dict[str, Language] = _table(
    {
        "fi": ("fi", "fin", "fi-FI", "finnish", "suomi", "suomeksi", "finska"),
        "sv": ("sv", "swe", "sv-FI", "swedish", "ruotsi", "ruotsiksi", "svenska", "på svenska"),
    },
    Language,
)
_ROLES: dict[str, Role] = _table(
    {
        "support": (
            "support", "learning support", "tuki", "oppimisen tuki", "koulunkäynnin tuki",
            "oppimisen ja koulunkäynnin tuki", "stöd", "stöd för lärande",
            "stöd för lärande och skolgång",
        ),
        "welfare": (
            "welfare", "student welfare", "opiskeluhuolto", "oppilashuolto",
            "oppilas- ja opiskelijahuolto", "elevvård", "studerandevård",
            "elev- och studerandevård", "elevhälsa",
        ),
        "ecec": (
            "ecec", "early childhood education", "early childhood education and care",
            "varhaiskasvatus", "vaka", "småbarnspedagogik",
        ),
    },
    Role,
)  # fmt: skip
_ORG_TYPES: dict[str, OrgType] = _table(
    {
        "municipality": (
            "municipality", "kunta", "kaupunki", "kuntayhtymä", "kommun", "stad", "samkommun",
        ),
        "private": (
            "private", "private provider", "private education provider", "yksityinen",
            "yksityinen järjestäjä", "yksityinen opetuksen järjestäjä",
            "yksityinen koulutuksen järjestäjä", "privat", "privat anordnare",
            "privat utbildningsanordnare",
        ),
        "training_school": (
            "training school", "teacher training school", "university training school",
            "normaalikoulu", "harjoittelukoulu", "norssi", "yliopiston harjoittelukoulu",
            "övningsskola",
        ),
    },
    OrgType,
)  # fmt: skip

_PARTICLES = frozenset({"af", "av", "da", "de", "del", "der", "di", "du", "la", "le", "van", "von"})


def split_name(full: str) -> tuple[str, str] | None:
    """ "Anna-Liisa Virtanen" -> ("Anna-Liisa", "Virtanen"); "Virtanen, Anna" -> ("Anna",
    "Virtanen"); "Georg Henrik von Wright" -> ("Georg Henrik", "von Wright"). None when there
    is only one word: a guess would be wrong half the time."""
    text = " ".join(full.split())
    if "," in text:
        last, _, first = (part.strip() for part in text.partition(","))
        return (first, last) if first and last and "," not in first else None
    parts = text.split(" ")
    if len(parts) < 2:
        return None
    start = len(parts) - 1
    while start > 1 and parts[start - 1].casefold() in _PARTICLES:
        start -= 1
    return " ".join(parts[:start]), " ".join(parts[start:])


def _clean(value: str) -> str:
    text = value.strip()
    # the slow path only for runs of spaces, tabs, no-break or zero-width spaces (isprintable
    # is False for all but the first, and runs in C)
    if "  " in text or not text.isprintable():
        text = " ".join(text.strip("\ufeff\u200b").split())
    return text


# Unicode category Cc except tab (tabs are spacing, collapsed by _clean); a regex scans in C,
# which matters at 100,000 rows x 8 fields.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


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

    def fail(self, name: str | None, reason: str) -> None:
        column = self.columns.get(name) if name else None
        self.problems.append(RosterProblem(self.file, self.line, column, reason))


def _text_field(check: _RowCheck, values: dict[str, str], name: str, limit: int) -> str:
    value = values.get(name, "").strip()  # a trailing CR/LF is a line end, not data
    if "  " in value or not value.isprintable():  # the common clean value skips both scans
        if _has_control(value):
            check.fail(name, f"{name.replace('_', ' ')} contains control characters")
            return ""
        value = _clean(value)
    if len(value) > limit:
        check.fail(name, f"{name.replace('_', ' ')} is longer than {limit} characters")
    return value


@lru_cache(maxsize=1024)
def _folded(text: str) -> str:
    # the same few values (roles, languages, types) repeat on every row
    return _fold(text)


def _lookup(table: Mapping[str, _E], raw: str) -> _E | None:
    return table.get(_folded(raw))


def _choice(
    check: _RowCheck, values: dict[str, str], name: str, table: Mapping[str, _E]
) -> _E | None:
    raw = _clean(values.get(name, ""))
    if not raw:
        return None
    found = _lookup(table, raw)
    if found is None:
        allowed = ", ".join(sorted({str(v) for v in table.values()}))
        check.fail(name, f"unknown {name.replace('_', ' ')} {raw!r} (expected one of: {allowed})")
    return found


def _names(check: _RowCheck, values: dict[str, str]) -> tuple[str, str]:
    first = _text_field(check, values, "first_name", MAX_NAME)
    last = _text_field(check, values, "last_name", MAX_NAME)
    if not (first and last) and "name" in check.columns:
        full = _text_field(check, values, "name", MAX_NAME * 2)
        if full and not first and not last:
            split = split_name(full)
            if split is None:
                check.fail("name", f"cannot split {full!r} into first and last name")
                return "", ""
            return split
    if not first:
        check.fail(
            "first_name" if "first_name" in check.columns else "name", "first name is missing"
        )
    if not last:
        check.fail("last_name" if "last_name" in check.columns else "name", "last name is missing")
    return first, last


_SV_SUFFIX = re.compile(r"^(.+?)s (kommun|stad)$", re.IGNORECASE)


@lru_cache(maxsize=2048)
def _find_municipality(text: str) -> Municipality | None:
    """By name or code; also the Swedish genitive "Korsholms kommun", "Jakobstads stad" (the
    official form an organisation writes; `find_municipality` only drops the suffix)."""
    found = find_municipality(text)
    if found is None and (match := _SV_SUFFIX.match(" ".join(text.split()))):
        found = find_municipality(match.group(1))
    return found


_Notice = tuple[str, str]  # (field, reason)


@lru_cache(maxsize=4096)
def _resolve_place(
    muni_text: str, region_text: str
) -> tuple[Municipality | None, Region | None, bool, _Notice | None, _Notice | None]:
    """(municipality, region, region_explicit, problem, warning) for a municipality and region
    as written; cached because rosters repeat the same few hundred places on every row.

    An explicit region wins over the one the municipality gives, and the conflict is reported;
    Åland and unknown municipalities get no guessed region (DOMAIN.md)."""
    explicit: Region | None = None
    if region_text:
        explicit = parse_region(region_text)
        if explicit is None:
            reason = f"unknown region {region_text!r} (expected hyks, kys, tays, tyks or oys)"
            return None, None, False, ("region", reason), None
    municipality = _find_municipality(muni_text) if muni_text else None
    warning: _Notice | None = None
    if muni_text and municipality is None:
        if explicit is None:
            reason = f"unknown municipality {muni_text!r} and no region given"
            return None, None, False, ("municipality", reason), None
        warning = (
            "municipality",
            f"unknown municipality {muni_text!r}: kept region {explicit.value}, "
            "municipality left empty",
        )
    if municipality is None:
        if explicit is None:
            return (
                None,
                None,
                False,
                ("municipality", "municipality is missing (or give the region)"),
                None,
            )
        return None, explicit, True, None, warning
    if explicit is None:
        if municipality.region is None:
            reason = (
                f"{municipality.name_fi} is in Åland, which is in no VIP region: give the region"
            )
            return municipality, None, False, ("municipality", reason), None
        return municipality, municipality.region, False, None, None
    if municipality.region not in (None, explicit):
        assert municipality.region is not None
        warning = (
            "region",
            f"region {explicit.value} given, but {municipality.name_fi} is in "
            f"{municipality.region.value}: kept {explicit.value}",
        )
    return municipality, explicit, True, None, warning


def _place(
    check: _RowCheck, values: dict[str, str], warnings: list[RosterProblem]
) -> tuple[Municipality | None, Region | None, bool]:
    municipality, region, explicit, problem, warning = _resolve_place(
        _clean(values.get("municipality", "")), _clean(values.get("region", ""))
    )
    if problem is not None:
        check.fail(*problem)
    if warning is not None:
        name, reason = warning
        warnings.append(RosterProblem(check.file, check.line, check.columns.get(name), reason))
    return municipality, region, explicit


# RosterRow.explicit for (region, language, role, org_type) stated or not: 16 shared sets.
_EXPLICIT = {
    flags: frozenset(
        n for n, f in zip(("region", "language", "role", "org_type"), flags, strict=True) if f
    )
    for flags in itertools.product((False, True), repeat=4)
}


def validate_record(
    file: str,
    record: Record,
    columns: dict[str, str],
    warnings: list[RosterProblem],
    check: _RowCheck | None = None,
) -> RosterRow | list[RosterProblem]:
    """One record -> an accepted row, or the list of its problems (never empty)."""
    check = (check or _RowCheck(file, record.line, columns)).start(record.line)
    if record.extra < 0:
        check.fail(None, "unreadable CSV record")
        return check.problems
    if record.end_line > record.line:
        check.fail(
            None,
            f"record spans lines {record.line}-{record.end_line}: a line break inside a quoted "
            "value (is a quote left open?)",
        )
        return check.problems
    if record.extra:
        check.fail(
            None,
            f"{record.extra} more value(s) than the header has columns "
            "(a delimiter inside an unquoted value?)",
        )
        return check.problems
    values = record.values
    email, reason = check_email(values.get("email", ""))
    if reason is not None:
        check.fail("email", reason)
    first, last = _names(check, values)
    before = len(check.problems)
    organisation = _text_field(check, values, "organisation", MAX_ORGANISATION)
    if not organisation and len(check.problems) == before:
        check.fail("organisation", "organisation is missing")
    row_warnings: list[RosterProblem] = []
    municipality, region, region_explicit = _place(check, values, row_warnings)
    language = _choice(check, values, "language", _LANGUAGES)
    role = _choice(check, values, "role", _ROLES)
    org_type = _choice(check, values, "org_type", _ORG_TYPES)
    if check.problems or email is None or region is None:
        return check.problems or [RosterProblem(file, record.line, None, "row is not usable")]
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
    )


def _from_table(table: Table) -> RosterFile:
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
    return result


def parse_roster(file: str, data: bytes) -> RosterFile:
    """Parse one roster file (CSV or XLSX, sniffed from the bytes). Never raises."""
    try:
        table = read_table(file, data)
    except RosterError as err:
        reason = str(err).removeprefix(f"{file}: ")
        return RosterFile(
            file=file, readable=False, problems=[RosterProblem(file, None, None, reason)]
        )
    return _from_table(table)
