"""PURE: notices about a whole roster file that no single row shows: contacts in bilingual
municipalities whose language is only the default, and Swedish headers without a language
column. They are warnings (the rows are imported), returned as (line, column, reason)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from mailer.core.models import Language
from mailer.core.regions import find_municipality
from mailer.core.roster.reasons import Reason, RosterCode

__all__ = ["file_hints"]

# Header words only Swedish rosters use (the English and Finnish ones differ).
_SWEDISH_HEADERS = frozenset(
    {"förnamn", "efternamn", "namn", "e-post", "e-postadress", "epost", "kommun", "område",
     "språk", "roll", "uppdrag", "organisationstyp", "typ av organisation"}
)  # fmt: skip

Hint = tuple[int | None, str | None, Reason]


class _Row(Protocol):
    line: int
    municipality: str | None
    language: Language
    explicit: frozenset[str]


def _numbers(lines: list[int]) -> str:
    return ", ".join(str(n) for n in lines[:5]) + (", …" * (len(lines) > 5))


def _bilingual(rows: Iterable[_Row], columns: Mapping[str, str]) -> list[Hint]:
    by_place: dict[str, list[int]] = {}
    language: dict[str, Language] = {}
    swedish: dict[str, str] = {}
    for row in rows:
        if "language" in row.explicit or row.municipality is None:
            continue
        found = find_municipality(row.municipality)
        if found is None or found.languages not in ("fi+sv", "sv+fi"):
            continue
        by_place.setdefault(found.name_fi, []).append(row.line)
        language[found.name_fi] = row.language
        swedish[found.name_fi] = found.name_sv
    code = (
        RosterCode.BILINGUAL_FILL_LANGUAGE
        if "language" in columns
        else RosterCode.BILINGUAL_ADD_LANGUAGE
    )
    return [
        (
            lines[0],
            columns.get("municipality"),
            Reason.of(
                code,
                municipality=name,
                municipality_sv=swedish[name],
                language=language[name].value,
                count=len(lines),
                lines=_numbers(lines),
                lines_text=("line " if len(lines) == 1 else "lines ") + _numbers(lines),
            ),
        )
        for name, lines in by_place.items()
    ]


def _swedish_headers(columns: Mapping[str, str], header_line: int | None) -> list[Hint]:
    swedish = [h for h in columns.values() if " ".join(h.casefold().split()) in _SWEDISH_HEADERS]
    if len(swedish) < 2 or "language" in columns:
        return []
    return [
        (
            header_line,
            None,
            Reason.of(RosterCode.SWEDISH_HEADERS_NO_LANGUAGE),
        )
    ]


def file_hints(
    rows: Iterable[_Row], columns: Mapping[str, str], header_line: int | None
) -> list[Hint]:
    """The file-level warnings of one roster, header first."""
    return _swedish_headers(columns, header_line) + _bilingual(rows, columns)
