"""PURE: the rows of an XLSX roster's first sheet, within the bounds of `Limits`: the zip's
directory is checked before openpyxl inflates anything (a 287 KB zip bomb once took 1.37 GB),
and rows are read only as wide as the header (one cell in column XFD once made every row 16,384
cells wide). openpyxl is a parser of bytes here (BytesIO), not I/O."""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time

from mailer.core.errors import RosterError
from mailer.core.roster.limits import EXTRA_COLUMNS, Limits, header_width, size_text
from mailer.core.roster.reasons import Reason, RosterCode

__all__ = ["xlsx_rows"]


def _cell_text(value: object) -> str:
    """Spreadsheet cell -> text: Excel stores municipality codes as numbers (91.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _unreadable(file: str, err: Exception) -> RosterError:
    return RosterError(file, Reason.of(RosterCode.XLSX_UNREADABLE, detail=err))


def _check_zip(file: str, data: bytes, limits: Limits) -> None:
    """Refuse a zip bomb from the zip's directory, before anything is inflated. The declared
    sizes bind: Python's zipfile stops inflating a member at its declared size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as err:
        raise _unreadable(file, err) from err
    if len(members) > limits.xlsx_members:
        raise RosterError(
            file, Reason.of(RosterCode.XLSX_TOO_MANY_PARTS, count=limits.xlsx_members)
        )
    total = sum(member.file_size for member in members)
    if total > limits.xlsx_uncompressed:
        limit = size_text(limits.xlsx_uncompressed)
        reason = Reason.of(RosterCode.XLSX_TOO_LARGE, size=size_text(total), limit=limit)
        raise RosterError(file, reason)


def _blank_values(row: tuple[object, ...]) -> bool:
    return all(value is None or value == "" for value in row)


def _sheet_rows(
    sheet: object, start: int, max_row: int | None, max_col: int
) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) from `start`; blank rows (padding openpyxl makes for rows missing
    from the XML, up to the last one) are skipped before any conversion."""
    rows = sheet.iter_rows(  # type: ignore[attr-defined]
        min_row=start, max_row=max_row, max_col=max_col, values_only=True
    )
    for line, row in enumerate(rows, start=start):
        if not _blank_values(row):
            yield line, [_cell_text(value) for value in row]


def xlsx_rows(file: str, data: bytes, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of the non-blank rows of the first sheet. The header (the first
    non-blank row) is read up to `limits.columns` + 1 cells, the rows after it only as wide as
    the header plus EXTRA_COLUMNS (so a stray value next to the table is still reported)."""
    # openpyxl is a parser of bytes here (BytesIO), not I/O. It warns about harmless workbook
    # quirks (missing default style, unknown extensions): those are not roster problems.
    import openpyxl

    _check_zip(file, data, limits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as err:
            raise _unreadable(file, err) from err
        try:
            sheet = workbook.worksheets[0]
            header = next(_sheet_rows(sheet, 1, limits.rows + 1, limits.columns + 1), None)
            if header is None:
                return
            yield header
            width = min(header_width(header[1]) + EXTRA_COLUMNS, limits.columns + 1)
            yield from _sheet_rows(sheet, header[0] + 1, None, max(width, 1))
        except RosterError:
            raise
        except Exception as err:
            raise _unreadable(file, err) from err
        finally:
            workbook.close()
