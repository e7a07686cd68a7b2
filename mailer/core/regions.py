"""The five VIP regions and the municipality -> region/language lookup.

The lookup reads the shipped copy of `municipalities-2026.csv` (Statistics Finland's
classification of municipalities 2026, as compiled in the rOpenGov geofi data set; CC BY 4.0,
credit: Statistics Finland). Reading a package resource is not I/O in the sense of the pure core:
it is immutable reference data, loaded once.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from mailer.core.models import Language, Region

__all__ = [
    "DATA_CREDIT",
    "REGION_NAMES",
    "REGION_SHORT_NAMES",
    "Municipality",
    "default_language",
    "find_municipality",
    "municipalities",
    "parse_region",
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


@cache
def _index() -> dict[str, Municipality]:
    index: dict[str, Municipality] = {}
    for m in municipalities():
        index[m.code] = m
        for name in (m.name_fi, m.name_sv):
            key = _fold(name)
            index[key] = m
            for suffix in _SUFFIXES:
                if key.endswith(suffix):
                    index[key.removesuffix(suffix)] = m
    return index


def find_municipality(name_or_code: str) -> Municipality | None:
    """Find a municipality by code ("91", "091"), Finnish or Swedish name, any case."""
    key = _fold(name_or_code)
    if not key:
        return None
    if key.isdigit():
        return _index().get(key.zfill(3))
    index = _index()
    found = index.get(key)
    if found is None:
        for suffix in _SUFFIXES:
            if key.endswith(suffix):
                found = index.get(key.removesuffix(suffix))
                break
    return found


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
