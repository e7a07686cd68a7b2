"""The five VIP regions and the municipality -> region/language lookup.

The lookup reads the shipped copy of `municipalities-2026.csv` (Statistics Finland's
classification of municipalities 2026, as compiled in the rOpenGov geofi data set; CC BY 4.0,
credit: Statistics Finland). Reading a package resource is not I/O in the sense of the pure core:
it is immutable reference data, loaded once.
"""

from __future__ import annotations

import csv
import difflib
import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from mailer.core.models import Language, Region
from mailer.core.place_names import genitives

__all__ = [
    "DATA_CREDIT",
    "REGION_NAMES",
    "REGION_SHORT_NAMES",
    "Municipality",
    "default_language",
    "find_municipality",
    "municipalities",
    "parse_region",
    "suggest_municipality",
]

DATA_CREDIT = (
    "Municipality data: Statistics Finland, classification of municipalities 2026 "
    "(via rOpenGov geofi), CC BY 4.0"
)

REGION_NAMES: dict[Region, dict[Language, str]] = {
    Region.HYKS: {
        Language.FI: "Etelä-Suomen yhteistyöalue",
        Language.SV: "Södra Finlands samarbetsområde",
    },
    Region.KYS: {
        Language.FI: "Itä-Suomen yhteistyöalue",
        Language.SV: "Östra Finlands samarbetsområde",
    },
    Region.TAYS: {
        Language.FI: "Sisä-Suomen yhteistyöalue",
        Language.SV: "Inre Finlands samarbetsområde",
    },
    Region.TYKS: {
        Language.FI: "Länsi-Suomen yhteistyöalue",
        Language.SV: "Västra Finlands samarbetsområde",
    },
    Region.OYS: {
        Language.FI: "Pohjois-Suomen yhteistyöalue",
        Language.SV: "Norra Finlands samarbetsområde",
    },
}

# The short names the network itself uses (DOMAIN.md): Swedish pages say HUCS and ÅUCS.
REGION_SHORT_NAMES: dict[Region, dict[Language, str]] = {
    Region.HYKS: {Language.FI: "HYKS-alue", Language.SV: "HUCS-området"},
    Region.KYS: {Language.FI: "KYS-alue", Language.SV: "KYS-området"},
    Region.TAYS: {Language.FI: "TAYS-alue", Language.SV: "TAYS-området"},
    Region.TYKS: {Language.FI: "TYKS-alue", Language.SV: "ÅUCS-området"},
    Region.OYS: {Language.FI: "OYS-alue", Language.SV: "OYS-området"},
}


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str  # three digits, zero-padded
    name_fi: str
    name_sv: str
    languages: str  # fi, sv, fi+sv or sv+fi
    region: Region | None  # None for Åland: in no cooperation area


def _fold(text: str) -> str:
    """Case- and space-insensitive key; keeps å/ä/ö distinct (they are distinct letters)."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _ascii(key: str) -> str:
    """A folded key without diacritics, for rosters typed without them ("Hameenlinna")."""
    decomposed = unicodedata.normalize("NFD", key)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Roster files write "Pedersören kunta", "Vaasan kaupunki", "Borgå stad": the suffix is noise.
_SUFFIXES = (" kunta", " kaupunki", " stad", " kommun", " kommune")


@cache
def municipalities() -> tuple[Municipality, ...]:
    text = files("mailer.data").joinpath("municipalities-2026.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return tuple(
        Municipality(
            code=row["code"].zfill(3),
            name_fi=row["name_fi"],
            name_sv=row["name_sv"],
            languages=row["languages"],
            region=Region(row["vip_region"]) if row["vip_region"] else None,
        )
        for row in rows
    )


def _keys(m: Municipality) -> set[str]:
    """Every key a roster may use for `m`: its names with and without the suffix, and the
    Finnish genitives of its Finnish name (the "Vaasan" of "Vaasan kaupunki")."""
    keys: set[str] = set()
    for name in (m.name_fi, m.name_sv):
        key = _fold(name)
        keys.add(key)
        keys.update(key.removesuffix(s) for s in _SUFFIXES if key.endswith(s))
    keys.update(_fold(form) for form in genitives(m.name_fi))
    return keys


@cache
def _indexes() -> tuple[dict[str, Municipality], dict[str, Municipality]]:
    """(exact keys, keys without diacritics). A key two municipalities share finds neither
    (a guess would put a contact in the wrong region), except a municipality's own name."""
    exact: dict[str, Municipality] = {}
    shared: set[str] = set()
    names = {_fold(n) for m in municipalities() for n in (m.name_fi, m.name_sv)}
    for m in municipalities():
        exact[m.code] = m
        for key in _keys(m):
            if key in exact and exact[key] != m:
                shared.add(key)
            if key in names and _fold(m.name_fi) != key and _fold(m.name_sv) != key:
                continue  # another municipality's name is never a genitive of this one
            exact.setdefault(key, m)
    for key in shared - names:
        exact.pop(key, None)
    folded: dict[str, Municipality] = {}
    clashes: set[str] = set()
    for key, m in exact.items():
        plain = _ascii(key)
        if folded.setdefault(plain, m) != m:
            clashes.add(plain)
    for plain in clashes:
        folded.pop(plain)
    return exact, folded


def _candidates(key: str) -> list[str]:
    """The key, then without a kunta/kaupunki/stad/kommun suffix, and "Koski Tl:n" -> "koski tl"."""
    found = [key]
    for suffix in _SUFFIXES:
        if key.endswith(suffix):
            found.append(key.removesuffix(suffix).strip())
    found += [k.removesuffix(":n") for k in found if k.endswith(":n")]
    return found


def find_municipality(name_or_code: str) -> Municipality | None:
    """Find a municipality by code ("91", "091"), Finnish or Swedish name, any case, with or
    without a kunta/kaupunki/stad/kommun suffix, in the genitive ("Hämeenlinnan kaupunki"),
    and spelt without diacritics ("Hameenlinna") when that is unambiguous."""
    key = _fold(name_or_code)
    if not key:
        return None
    exact, folded = _indexes()
    if key.isdigit():
        return exact.get(key.zfill(3))
    candidates = _candidates(key)
    for candidate in candidates:
        if candidate in exact:
            return exact[candidate]
    for candidate in candidates:
        if _ascii(candidate) in folded:
            return folded[_ascii(candidate)]
    return None


@cache
def _suggestion_keys() -> dict[str, str]:
    """Folded name or genitive without diacritics -> the name to suggest."""
    keys = {_ascii(_fold(g)): m.name_fi for m in municipalities() for g in genitives(m.name_fi)}
    keys.update({_ascii(_fold(n)): n for m in municipalities() for n in (m.name_fi, m.name_sv)})
    return keys


def suggest_municipality(text: str) -> str | None:
    """The municipality name closest to an unknown one ("Hämenlinna" -> "Hämeenlinna"), for a
    "did you mean" hint; None when nothing is close."""
    key = _ascii(_candidates(_fold(text))[-1])
    if not key or key.isdigit():
        return None
    names = _suggestion_keys()
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.75)
    return names[close[0]] if close else None


def default_language(municipality: Municipality) -> Language:
    """Language default from the language status (DOMAIN.md): Swedish where Swedish is the
    only or the majority language, Finnish otherwise."""
    return Language.SV if municipality.languages in ("sv", "sv+fi") else Language.FI


_REGION_ALIASES: dict[str, Region] = {}
for _region in Region:
    _REGION_ALIASES[_region.value] = _region
    for _names in (REGION_NAMES[_region], REGION_SHORT_NAMES[_region]):
        for _name in _names.values():
            _REGION_ALIASES[_fold(_name)] = _region
_REGION_ALIASES.update({"hucs": Region.HYKS, "åucs": Region.TYKS, "aucs": Region.TYKS})


def parse_region(text: str) -> Region | None:
    """A region from its key (hyks), short name (HYKS-alue, HUCS-området) or full name."""
    key = _fold(text)
    for suffix in ("-alue", "-området", " alue", " området"):
        if key.endswith(suffix) and key.removesuffix(suffix) in _REGION_ALIASES:
            return _REGION_ALIASES[key.removesuffix(suffix)]
    return _REGION_ALIASES.get(key)
