"""PURE: how large a roster file may be, and how wide its header is (shared by the CSV and the
XLSX readers). A roster is a few hundred rows, so anything far larger is refused as a whole
file, with a problem naming the bound, before it can take the machine's memory or minutes."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["EXTRA_COLUMNS", "KIB", "LIMITS", "MIB", "Limits", "header_width", "size_text"]

KIB = 1024
MIB = 1024 * KIB


class Limits(NamedTuple):
    """How large a roster file may be. The largest real roster is ~300 rows and 12 columns."""

    file_bytes: int = 8 * MIB
    rows: int = 50_000  # lines of a CSV, rows of a sheet
    columns: int = 200  # header width
    field_chars: int = 128 * KIB  # one CSV field (csv.field_size_limit)
    xlsx_uncompressed: int = 100 * MIB  # all members of the zip, as declared in its directory
    xlsx_members: int = 1_000
    problems: int = 200  # listed per file; the rest are counted in one last problem


LIMITS = Limits()
# XLSX cells read past the header's width, to report a stray value as extra, not drop it
EXTRA_COLUMNS = 20


def size_text(count: int) -> str:
    return f"{count / MIB:.1f} MiB" if count >= MIB else f"{count // KIB} KiB"


def header_width(header: list[str]) -> int:
    """Columns up to the last named header cell. Exports often carry empty cells past the
    header (";;;" or formatting-only sheet cells); a value beyond this width has no column and
    is reported as extra rather than dropped."""
    return max((i for i, cell in enumerate(header) if cell.strip()), default=-1) + 1
