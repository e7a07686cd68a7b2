"""PURE: dates and times in the letter, formatted with Babel as DOMAIN.md prescribes.

fi: `29.5.2026`, `perjantaina 29. toukokuuta 2026`, `klo 13.00`;
sv: `29.5.2026`, `fredag 29 maj 2026`, `kl. 13.00`.

Explicit patterns rather than Babel's named formats: Babel's `sv` short date is ISO
(`2026-05-29`) and its `fi` full date uses the nominative weekday (`perjantai`), while Finnish
running text needs the essive (`perjantaina`, CLDR's *format* context of `EEEE`).
Times are shown in the letter's zone (Europe/Helsinki), whatever zone they were given in.
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

from babel.dates import format_date, format_time

from mailer.core.models import Language

__all__ = [
    "MONTH_PATTERN",
    "format_long_date",
    "format_month",
    "format_short_date",
    "format_span",
    "format_time_of_day",
    "is_month",
]

_SHORT = "d.M.yyyy"
_LONG = {Language.FI: "EEEE d. MMMM yyyy", Language.SV: "EEEE d MMMM yyyy"}
# The time prefix is part of the pattern (quoted literal) so it never drifts from the number.
_TIME = {Language.FI: "'klo' H.mm", Language.SV: "'kl.' H.mm"}
_BARE_TIME = "H.mm"
_MONTH = "LLLL yyyy"  # stand-alone month name: "marraskuu 2026", "november 2026"


def format_short_date(day: date, language: Language) -> str:
    return format_date(day, _SHORT, locale=language.value)


def format_long_date(day: date, language: Language) -> str:
    return format_date(day, _LONG[language], locale=language.value)


def format_time_of_day(moment: datetime, language: Language, zone: tzinfo) -> str:
    return format_time(moment.astimezone(zone), _TIME[language], locale=language.value)


def format_month(day: date, language: Language) -> str:
    return format_date(day, _MONTH, locale=language.value)


def format_span(start: datetime, end: datetime | None, language: Language, zone: tzinfo) -> str:
    """An event's time in running text: `torstaina 12. marraskuuta 2026 klo 13.00–15.00`.

    An end on another day repeats the date after a spaced en dash; no end shows the start only."""
    local_start = start.astimezone(zone)
    day = format_long_date(local_start.date(), language)
    text = f"{day} {format_time_of_day(start, language, zone)}"
    if end is None:
        return text
    local_end = end.astimezone(zone)
    if local_end.date() == local_start.date():
        return text + "–" + format_time(local_end, _BARE_TIME, locale=language.value)
    return (
        f"{text} – {format_long_date(local_end.date(), language)} "
        f"{format_time_of_day(end, language, zone)}"
    )


# The one validator of an edition month (`YYYY-MM`), used at every entry point: a full match on
# ASCII digits. `re.match` with `^...$` accepts "2026-11\n" (`$` matches before a final newline)
# and `\d` accepts Arabic-Indic and other Unicode digits, so a month could reach a file name or
# an HTTP header carrying characters nobody checked.
MONTH_PATTERN = r"[0-9]{4}-(?:0[1-9]|1[0-2])"
_EDITION_MONTH = re.compile(MONTH_PATTERN)


def is_month(value: object) -> bool:
    """True for "2026-11"; False for "2026-11\\n", "٢٠٢٦-١١", "2026-13", non-strings."""
    return isinstance(value, str) and _EDITION_MONTH.fullmatch(value) is not None
