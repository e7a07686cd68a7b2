"""CSV exports of the reports, safe to open in a spreadsheet.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula (and a leading tab or
carriage return can smuggle one past a naive check), so an organisation named `=HYPERLINK(...)` in
a roster would become a live link or a DDE call in the admin's Excel: CSV injection, OWASP
"CSV Injection". Such text cells get a leading apostrophe, which spreadsheets show as text.
Numbers and dates are written as they are (a negative number is not a formula).

Files are `;`-delimited UTF-8 with a byte-order mark: what Excel in a Finnish or Swedish locale
opens into columns without an import dialog (the same shape the roster exports arrive in).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo

from mailer.core.reports.models import BounceReport, EditionReport

__all__ = [
    "BOUNCE_COLUMNS",
    "EDITION_COLUMNS",
    "bounce_report_csv",
    "csv_text",
    "edition_report_csv",
    "neutralise",
]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """One cell as text, with a leading apostrophe if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" if bom else "") + buffer.getvalue()


BOUNCE_COLUMNS = (
    "region",
    "kind",
    "organisation",
    "org_type",
    "municipality",
    "name",
    "email",
    "role",
    "language",
    "status",
    "status_since",
    "last_delivered_at",
    "evidence_event",
    "smtp_status",
    "reason",
    "evidence_at",
    "contacts_it_had",
)


def bounce_report_csv(report: BounceReport, zone: tzinfo | None = None) -> str:
    """One row per stale or suspect contact (with its latest evidence) and one per organisation
    left without an active contact (`kind` tells them apart). Times in `zone` (Helsinki for
    people) as ISO 8601 with the offset; UTC when no zone is given."""
    rows: list[list[object]] = []
    for section in report.regions:
        for entry in [*section.stale, *section.suspect]:
            latest = entry.evidence[0] if entry.evidence else None
            rows.append(
                [
                    section.region.value,
                    entry.verdict,
                    entry.organisation,
                    entry.org_type,
                    entry.municipality,
                    entry.name,
                    entry.email,
                    entry.role,
                    entry.language,
                    entry.status,
                    entry.since,
                    entry.last_delivered_at,
                    latest.event_type if latest else None,
                    latest.status if latest else None,
                    latest.reason if latest else entry.status_reason,
                    latest.occurred_at if latest else None,
                    None,
                ]
            )
        for gap in section.without_active_contact:
            rows.append(
                [
                    section.region.value,
                    "no_active_contact",
                    gap.organisation,
                    gap.org_type,
                    gap.municipality,
                    *([None] * 6),
                    gap.last_change,
                    *([None] * 5),
                    " | ".join(gap.contacts),
                ]
            )
    if zone is not None:
        rows = [[v.astimezone(zone) if isinstance(v, datetime) else v for v in r] for r in rows]
    return csv_text(BOUNCE_COLUMNS, rows)


EDITION_COLUMNS = (
    "edition",
    "region",
    "language",
    "planned",
    "accepted",
    "delivered",
    "bounced",
    "dropped",
    "unsubscribed",
    "complained",
    "failed",
    "pending",
)


def edition_report_csv(report: EditionReport) -> str:
    rows = [
        [
            report.edition,
            f.region.value if f.region else "total",
            f.language.value if f.language else "",
            *(getattr(f, column) for column in EDITION_COLUMNS[3:]),
        ]
        for f in [*report.rows, report.total]
    ]
    return csv_text(EDITION_COLUMNS, rows)
