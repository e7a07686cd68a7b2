"""The filtered register as a CSV or XLSX file, formula-safe, with an audit entry per export
(an export is personal data leaving the system: who took which filter, and how many rows).

CSV: `core.reports.csv_export` (a leading apostrophe on text a spreadsheet would run).
XLSX: every text cell is written with the string type, so `=HYPERLINK(...)` in a roster stays
the text it was; openpyxl would otherwise store it as a formula.
"""

from __future__ import annotations

import io
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import NamedTuple

from mailer.core.accounts import AuditAction
from mailer.core.reports.csv_export import csv_text
from mailer.pipeline.audit import record
from mailer.pipeline.context import Context
from mailer.pipeline.register_browse import RegisterFilter, RegisterRow, register_rows

__all__ = ["EXPORT_COLUMNS", "Export", "ExportFormat", "export_register", "register_xlsx"]

EXPORT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "organisation",
    "org_type",
    "municipality",
    "region",
    "language",
    "role",
    "title",
    "status",
    "suspect",
    "missing_since",
    "updated_at",
)


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class Export(NamedTuple):
    body: bytes
    media_type: str
    filename: str
    rows: int


def _cells(row: RegisterRow, zone: tzinfo) -> list[object]:
    values: list[object] = [getattr(row, name) for name in EXPORT_COLUMNS]
    # Helsinki time for people, with the offset (the reports' CSV does the same)
    return [v.astimezone(zone).isoformat(timespec="seconds") if isinstance(v, datetime) else v
            for v in values]  # fmt: skip


def register_xlsx(rows: list[list[object]]) -> bytes:
    """One sheet, header first; text cells typed as strings (never formulas). Plain values are
    appended as they are (a typed cell per value costs five times as much)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("register")
    header: list[object] = list(EXPORT_COLUMNS)
    for values in [header, *rows]:
        line: list[object] = []
        for given in values:
            value = ("yes" if given else "no") if isinstance(given, bool) else given
            if isinstance(value, str):
                # control characters cannot be stored in the XML of a sheet
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if value.startswith("="):  # the only text openpyxl would store as a formula
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"
                    value = cell
            line.append(value)
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _describe(chosen: RegisterFilter) -> str:
    parts = [f"search={chosen.search!r}"] if chosen.search else []
    for name in ("region", "language", "status", "role", "org_type"):
        member = getattr(chosen, name)
        if member is not None:
            parts.append(f"{name}={member.value}")
    parts += [name for name in ("suspect", "missing") if getattr(chosen, name)]
    return ", ".join(parts) or "all"


def export_register(
    ctx: Context, chosen: RegisterFilter, kind: ExportFormat, *, actor: str
) -> Export:
    found = register_rows(ctx, chosen)
    cells = [_cells(row, ctx.zone) for row in found]
    stamp = ctx.now().astimezone(ctx.zone).strftime("%Y-%m-%d")
    if kind is ExportFormat.CSV:
        body = csv_text(EXPORT_COLUMNS, cells).encode("utf-8")
        media = "text/csv; charset=utf-8"
    else:
        body = register_xlsx(cells)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    record(
        ctx,
        actor=actor,
        action=AuditAction.REGISTER_EXPORT,
        target=f"register.{kind.value}",
        detail=f"{len(found)} contacts; filter: {_describe(chosen)}",
    )
    return Export(body, media, f"register-{stamp}.{kind.value}", len(found))
