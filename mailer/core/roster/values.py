"""PURE: the value-level rules of roster rows: email syntax and normalisation, names, the
choice vocabularies (language, role, organisation type in fi/sv/en) and where a municipality
and region as written put a contact. Strings in, values or reasons out;
`mailer.core.roster.rows` turns the reasons into problems with file, line and column."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import TypeVar

from email_validator import EmailNotValidError, validate_email

from mailer.core.models import Language, OrgType, Region, Role
from mailer.core.regions import (
    Municipality,
    find_municipality,
    parse_region,
    suggest_municipality,
)
from mailer.core.roster.reasons import Reason, RosterCode

__all__ = [
    "LANGUAGES",
    "ORG_TYPES",
    "ROLES",
    "Notice",
    "check_email",
    "clean",
    "has_control",
    "lookup",
    "normalise_email",
    "parse_role",
    "resolve_place",
    "split_name",
]


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


# email-validator's reasons by how they start (its English wording, version 2): the common ones
# get a code of their own, so the workspace says them in the coordinator's language; any other
# is EMAIL_INVALID, its text framed by a translated sentence.
_EMAIL_REASONS: tuple[tuple[str, RosterCode], ...] = (
    ("An email address must have an @-sign", RosterCode.EMAIL_NO_AT),
    ("There must be something before the @-sign", RosterCode.EMAIL_NOTHING_BEFORE_AT),
    ("There must be something after the @-sign", RosterCode.EMAIL_NOTHING_AFTER_AT),
    ("The part after the @-sign is not valid. It should have a period",
     RosterCode.EMAIL_DOMAIN_NO_PERIOD),
    ("The email address contains invalid characters", RosterCode.EMAIL_BAD_CHARACTER),
    ("The email address contains an invalid character", RosterCode.EMAIL_BAD_CHARACTER),
    ("The part after the @-sign contains invalid characters", RosterCode.EMAIL_BAD_CHARACTER),
    ("An email address cannot have two periods", RosterCode.EMAIL_MISPLACED_PERIOD),
    ("An email address cannot start with a period", RosterCode.EMAIL_MISPLACED_PERIOD),
    ("An email address cannot end with a period", RosterCode.EMAIL_MISPLACED_PERIOD),
    ("An email address cannot have a period immediately", RosterCode.EMAIL_MISPLACED_PERIOD),
    ("The email address is too long", RosterCode.EMAIL_TOO_LONG),
)  # fmt: skip


def _invalid_email(candidate: str, detail: object) -> Reason:
    text = str(detail)
    code = next((c for start, c in _EMAIL_REASONS if text.startswith(start)), None)
    return Reason.of(code or RosterCode.EMAIL_INVALID, value=candidate, detail=text)


def check_email(text: str) -> tuple[str | None, Reason | None]:
    """(normalised email, None) or (None, reason). Syntax only (email-validator), no DNS:
    deliverability is learned from bounces, and tests and CI have no network."""
    candidate = text.strip().strip("\ufeff\u200b").strip()
    if not candidate:
        return None, Reason.of(RosterCode.EMAIL_MISSING)
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
        return None, _invalid_email(candidate, reason)
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as err:
        return None, _invalid_email(candidate, err)
    return normalise_email(result.normalized), None


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(re.sub(r"[\s\-_.,/]+", " ", text).split())


_E = TypeVar("_E", Language, Role, OrgType)


def _table(pairs: dict[str, tuple[str, ...]], make: type[_E]) -> dict[str, _E]:
    return {_fold(alias): make(value) for value, aliases in pairs.items() for alias in aliases}


LANGUAGES: dict[str, Language] = _table(
    {
        "fi": ("fi", "fin", "fi-FI", "finnish", "suomi", "suomeksi", "finska"),
        "sv": ("sv", "swe", "sv-FI", "swedish", "ruotsi", "ruotsiksi", "svenska", "på svenska"),
    },
    Language,
)
ROLES: dict[str, Role] = _table(
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
# Words inside job titles ("Varhaiskasvatuksen erityisopettaja", "Skolkurator"), checked in
# this order: early childhood first (its special-needs teachers are ECEC staff), then welfare.
_TITLE_WORDS: tuple[tuple[str, Role], ...] = tuple(
    (word, Role(role))
    for role, words in (
        ("ecec", ("varhaiskasvat", "småbarnspedagog", "päiväkoti", "daghem", "lastentarh",
                  "barnträdgård", "early childhood", "kindergarten")),
        ("welfare", ("kuraattori", "kurator", "psykolog", "terveydenhoita", "hälsovårdare",
                     "opiskeluhuol", "oppilashuol", "elevvård", "elevhälsa", "sosiaalityö",
                     "socialarbet", "counsel", "psycholog", "school nurse", "welfare")),
        ("support", ("erityisopetta", "erityisluokanopetta", "resurssiopetta",
                     "koulunkäynnin", "oppimisen tu", "speciallärare", "specialklasslärare",
                     "stödlärare", "elevassistent", "special education", "special needs")),
    )
    for word in words
)  # fmt: skip


def parse_role(raw: str) -> tuple[Role, str | None]:
    """(role, job title) from a role column: a role word gives the role and no title; a job
    title gives the role its words point to (Kuraattori -> welfare) and the title; a title
    with no known word is role `other` with the title. A role column never rejects a row."""
    folded = _folded(raw)
    found = ROLES.get(folded)
    if found is not None:
        return found, None
    for word, role in _TITLE_WORDS:
        if word in folded:
            return role, raw
    return Role.OTHER, raw


ORG_TYPES: dict[str, OrgType] = _table(
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


def clean(value: str) -> str:
    text = value.strip()
    # the slow path only for runs of spaces, tabs, no-break or zero-width spaces (isprintable
    # is False for all but the first, and runs in C)
    if "  " in text or not text.isprintable():
        text = " ".join(text.strip("\ufeff\u200b").split())
    return text


# Unicode category Cc except tab (tabs are spacing, collapsed by _clean); a regex scans in C,
# which matters at 100,000 rows x 8 fields.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


@lru_cache(maxsize=1024)
def _folded(text: str) -> str:
    # the same few values (roles, languages, types) repeat on every row
    return _fold(text)


def lookup(table: Mapping[str, _E], raw: str) -> _E | None:
    return table.get(_folded(raw))


_SV_SUFFIX = re.compile(r"^(.+?)s (kommun|stad)$", re.IGNORECASE)


def _find_one(text: str) -> Municipality | None:
    found = find_municipality(text)
    if found is None and (match := _SV_SUFFIX.match(" ".join(text.split()))):
        found = find_municipality(match.group(1))
    return found


_PARTS = re.compile(r"\s*[/|]\s*|\s+-\s+|^(\d{1,3})\s+")


@lru_cache(maxsize=2048)
def _find_municipality(text: str) -> Municipality | None:
    """By name or code, also in the forms exports write: the Swedish genitive "Korsholms
    kommun" (`find_municipality` only drops the suffix), both names "Helsinki / Helsingfors",
    code and name "091 Helsinki". Parts that name different municipalities find none."""
    found = _find_one(text)
    if found is None:
        parts = [p for p in _PARTS.split(text) if p and p.strip()]
        if len(parts) > 1:
            matches = {_find_one(part) for part in parts}
            if len(matches) == 1:
                found = matches.pop()
    return found


Notice = tuple[str, Reason]  # (field, reason)


def _unknown_municipality(text: str, kept: Region | None) -> Reason:
    """An unknown municipality: a problem without a region, a warning when one was given; with
    the nearest name as a suggestion when there is one."""
    suggestion = suggest_municipality(text)
    if kept is None:
        if suggestion:
            code = RosterCode.MUNICIPALITY_UNKNOWN_SUGGEST
            return Reason.of(code, value=text, suggestion=suggestion)
        return Reason.of(RosterCode.MUNICIPALITY_UNKNOWN, value=text)
    if suggestion:
        code = RosterCode.MUNICIPALITY_UNKNOWN_SUGGEST_KEPT_REGION
        return Reason.of(code, value=text, suggestion=suggestion, region=kept.value)
    return Reason.of(RosterCode.MUNICIPALITY_UNKNOWN_KEPT_REGION, value=text, region=kept.value)


@lru_cache(maxsize=4096)
def resolve_place(
    muni_text: str, region_text: str
) -> tuple[Municipality | None, Region | None, bool, Notice | None, Notice | None]:
    """(municipality, region, region_explicit, problem, warning) for a municipality and region
    as written; cached because rosters repeat the same few hundred places on every row.

    An explicit region wins over the one the municipality gives, and the conflict is reported;
    Åland and unknown municipalities get no guessed region (DOMAIN.md)."""
    explicit: Region | None = None
    if region_text:
        explicit = parse_region(region_text)
        if explicit is None:
            reason = Reason.of(RosterCode.REGION_UNKNOWN, value=region_text)
            return None, None, False, ("region", reason), None
    municipality = _find_municipality(muni_text) if muni_text else None
    warning: Notice | None = None
    if muni_text and municipality is None:
        reason = _unknown_municipality(muni_text, explicit)
        if explicit is None:
            return None, None, False, ("municipality", reason), None
        warning = ("municipality", reason)
    if municipality is None:
        if explicit is None:
            return (
                None,
                None,
                False,
                ("municipality", Reason.of(RosterCode.MUNICIPALITY_MISSING)),
                None,
            )
        return None, explicit, True, None, warning
    if explicit is None:
        if municipality.region is None:
            reason = Reason.of(
                RosterCode.MUNICIPALITY_ALAND,
                municipality=municipality.name_fi,
                municipality_sv=municipality.name_sv,
            )
            return municipality, None, False, ("municipality", reason), None
        return municipality, municipality.region, False, None, None
    if municipality.region not in (None, explicit):
        assert municipality.region is not None
        warning = (
            "region",
            Reason.of(
                RosterCode.REGION_CONFLICT,
                region=explicit.value,
                municipality=municipality.name_fi,
                municipality_sv=municipality.name_sv,
                municipality_region=municipality.region.value,
            ),
        )
    return municipality, explicit, True, None, warning
