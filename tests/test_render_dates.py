"""Dates and times in letters: Babel with the patterns DOMAIN.md prescribes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from mailer.core.edition.dates import (
    format_long_date,
    format_month,
    format_short_date,
    format_span,
    format_time_of_day,
)
from mailer.core.models import Language

HELSINKI = ZoneInfo("Europe/Helsinki")
FI, SV = Language.FI, Language.SV


@pytest.mark.parametrize(
    ("language", "short", "long"),
    [
        (FI, "29.5.2026", "perjantaina 29. toukokuuta 2026"),
        (SV, "29.5.2026", "fredag 29 maj 2026"),
    ],
)
def test_dates_follow_the_domain_examples(language: Language, short: str, long: str) -> None:
    day = date(2026, 5, 29)
    assert format_short_date(day, language) == short
    assert format_long_date(day, language) == long


@pytest.mark.parametrize(
    ("moment", "language", "expected"),
    [
        (datetime(2026, 5, 29, 13, 0, tzinfo=HELSINKI), FI, "klo 13.00"),
        (datetime(2026, 5, 29, 13, 0, tzinfo=HELSINKI), SV, "kl. 13.00"),
        # summer time (UTC+3) and winter time (UTC+2) around the DST change of 25.10.2026
        (datetime(2026, 10, 24, 10, 0, tzinfo=UTC), FI, "klo 13.00"),
        (datetime(2026, 10, 26, 10, 0, tzinfo=UTC), FI, "klo 12.00"),
        (datetime(2026, 11, 19, 7, 5, tzinfo=UTC), SV, "kl. 9.05"),
    ],
)
def test_times_are_shown_in_helsinki_time(
    moment: datetime, language: Language, expected: str
) -> None:
    assert format_time_of_day(moment, language, HELSINKI) == expected


@pytest.mark.parametrize(
    ("end", "language", "expected"),
    [
        (None, FI, "torstaina 19. marraskuuta 2026 klo 14.00"),
        (
            datetime(2026, 11, 19, 15, 30, tzinfo=HELSINKI),
            FI,
            "torstaina 19. marraskuuta 2026 klo 14.00–15.30",
        ),
        (
            datetime(2026, 11, 19, 15, 30, tzinfo=HELSINKI),
            SV,
            "torsdag 19 november 2026 kl. 14.00–15.30",
        ),
        (
            datetime(2026, 11, 20, 12, 0, tzinfo=HELSINKI),
            SV,
            "torsdag 19 november 2026 kl. 14.00 – fredag 20 november 2026 kl. 12.00",
        ),
    ],
)
def test_event_spans(end: datetime | None, language: Language, expected: str) -> None:
    start = datetime(2026, 11, 19, 14, 0, tzinfo=HELSINKI)
    assert format_span(start, end, language, HELSINKI) == expected


@pytest.mark.parametrize(("language", "expected"), [(FI, "marraskuu 2026"), (SV, "november 2026")])
def test_month_names_stand_alone(language: Language, expected: str) -> None:
    assert format_month(date(2026, 11, 1), language) == expected
