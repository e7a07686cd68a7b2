"""CSV exports: formula injection neutralised, numbers left alone, the file opens as columns."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from mailer.core.models import Region
from mailer.core.reports.csv_export import BOUNCE_COLUMNS, bounce_report_csv, csv_text, neutralise
from mailer.pipeline.reports import BounceReport, ContactEntry, EvidenceItem, RegionBounces


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+358 40 123", "'+358 40 123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Espoon kaupunki", "Espoon kaupunki"),
        ("anna.virtanen@espoo.example", "anna.virtanen@espoo.example"),  # @ not at the start
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-3, "-3"),  # a number is not a formula
        (2.5, "2.5"),
        (True, "yes"),
        (datetime(2026, 5, 29, 10, 0, tzinfo=UTC), "2026-05-29T10:00:00+00:00"),
    ],
)
def test_neutralise_cell(cell: object, expected: str) -> None:
    assert neutralise(cell) == expected


def _read(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def test_csv_text_quotes_delimiters_and_newlines_and_neutralises_every_cell() -> None:
    rows = _read(
        csv_text(["name", "=note"], [["Ström; Åsa", "line\nbreak"], ["=cmd|' /C calc'!A0", 7]])
    )
    assert rows == [
        ["name", "'=note"],
        ["Ström; Åsa", "line\nbreak"],
        ["'=cmd|' /C calc'!A0", "7"],
    ]


def _report(organisation: str, reason: str) -> BounceReport:
    entry = ContactEntry(
        contact_id=1,
        email="anna.virtanen@espoo.example",
        name="Anna Virtanen",
        organisation=organisation,
        org_type="municipality",
        municipality="Espoo",
        role="support",
        language="fi",
        status="stale",
        verdict="stale",
        since=datetime(2026, 3, 3, tzinfo=UTC),
        status_reason=None,
        soft_streak=0,
        last_delivered_at=None,
        evidence=[
            EvidenceItem(
                event_type="bounce",
                occurred_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
                status="5.1.1",
                reason=reason,
                source="webhook",
            )
        ],
    )
    section = RegionBounces(region=Region.HYKS, name_fi="x", name_sv="y", stale=[entry])
    return BounceReport(
        generated_at=datetime(2026, 3, 4, tzinfo=UTC), region=None, since=None, regions=[section]
    )


def test_bounce_report_csv_neutralises_hostile_roster_and_provider_text() -> None:
    text = bounce_report_csv(_report('=HYPERLINK("http://x.example","click")', "@evil"))
    header, row = _read(text)
    assert header == list(BOUNCE_COLUMNS)
    cells = dict(zip(header, row, strict=True))
    assert cells["organisation"] == '\'=HYPERLINK("http://x.example","click")'
    assert cells["reason"] == "'@evil"
    assert cells["smtp_status"] == "5.1.1"
    assert cells["kind"] == "stale"
    assert cells["email"] == "anna.virtanen@espoo.example"
    assert all(not c.startswith(("=", "+", "-", "@")) for c in row)


def test_bounce_report_csv_writes_times_in_the_given_zone_with_the_offset() -> None:
    from zoneinfo import ZoneInfo

    text = bounce_report_csv(_report("Koulu", "550"), ZoneInfo("Europe/Helsinki"))
    assert "2026-03-02T12:00:00+02:00" in text  # the evidence, 10:00 UTC
    assert "2026-03-02T10:00:00+00:00" in bounce_report_csv(_report("Koulu", "550"))
