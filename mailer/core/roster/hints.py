"""PURE: notices about a whole roster file that no single row shows: contacts in bilingual
municipalities whose language is only the default, and Swedish headers without a language
column. They are warnings (the rows are imported), returned as (line, column, reason)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from mailer.core.models import Language
from mailer.core.regions import find_municipality

__all__ = ["file_hints"]

# Header words only Swedish rosters use (the English and Finnish ones differ).
_SWEDISH_HEADERS = frozenset(
    {"förnamn", "efternamn", "namn", "e-post", "e-postadress", "epost", "kommun", "område",
     "språk", "roll", "uppdrag", "organisationstyp", "typ av organisation"}
)  # fmt: skip

Hint = tuple[int | None, str | None, str]


class _Row(Protocol):
    line: int
    municipality: str | None
    language: Language
    explicit: frozenset[str]


def _lines(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:5])
    return f"line {shown}" if len(lines) == 1 else f"lines {shown}" + (", …" * (len(lines) > 5))


def _bilingual(rows: Iterable[_Row], columns: Mapping[str, str]) -> list[Hint]:
    by_place: dict[str, list[int]] = {}
    language: dict[str, Language] = {}
    for row in rows:
        if "language" in row.explicit or row.municipality is None:
            continue
        found = find_municipality(row.municipality)
        if found is None or found.languages not in ("fi+sv", "sv+fi"):
            continue
        by_place.setdefault(found.name_fi, []).append(row.line)
        language[found.name_fi] = row.language
    how = "fill in its language column" if "language" in columns else "add a language column"
    return [
        (
            lines[0],
            columns.get("municipality"),
            f"{name} is bilingual: language {language[name].value} by default "
            f"({len(lines)} contact(s), {_lines(lines)}); {how} to choose",
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
            "the headers are in Swedish but there is no language column: each contact gets "
            "their municipality's default language (Finnish in Espoo, Helsinki, Vantaa, …); "
            "add a column Språk (sv or fi) to choose",
        )
    ]


def file_hints(
    rows: Iterable[_Row], columns: Mapping[str, str], header_line: int | None
) -> list[Hint]:
    """The file-level warnings of one roster, header first."""
    return _swedish_headers(columns, header_line) + _bilingual(rows, columns)
