"""Roster import bounds (mailer/core/roster/read.py `Limits`): file size, rows, header columns,
CSV field length, XLSX unpacked size; problems per file capped. Each bound is one problem naming
the file, and the other files of the import are still imported."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.core.roster.read import LIMITS, Limits, read_table
from mailer.core.roster.rows import RosterFile, parse_roster
from mailer.pipeline import Context
from mailer.pipeline.roster import import_rosters

HEADER = ["Etunimi", "Sukunimi", "Sähköposti", "Organisaatio", "Kunta"]


def person(i: int) -> list[str]:
    return [f"Aino{i}", "Mäkelä", f"aino{i}@espoo.example", "Espoon kaupunki", "Espoo"]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    return "".join(";".join(r) + "\r\n" for r in [header, *rows]).encode()


def xlsx_bytes(rows: list[list[object]], far_cell: tuple[int, int] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if far_cell is not None:
        sheet.cell(row=far_cell[0], column=far_cell[1], value="x")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def file_problem(parsed: RosterFile) -> str:
    assert not parsed.readable and parsed.rows == []
    [problem] = parsed.problems
    assert problem.file == parsed.file and problem.line is None
    return problem.reason


def test_a_cell_in_column_xfd_of_the_last_row_does_not_widen_every_row() -> None:
    data = xlsx_bytes([HEADER, person(1), person(2)], far_cell=(1_048_576, 16_384))
    started = time.monotonic()
    parsed = parse_roster("wide.xlsx", data)
    assert time.monotonic() - started < 60  # the old reader took about 12 minutes
    assert [r.email for r in parsed.rows] == ["aino1@espoo.example", "aino2@espoo.example"]
    assert parsed.problems == []


def test_rows_are_read_only_as_wide_as_the_header_and_a_near_stray_value_is_still_extra() -> None:
    table = read_table(
        "w.xlsx", xlsx_bytes([HEADER, person(1), [*person(2), "", "stray"]], (3, 16_384))
    )
    assert [r.extra for r in table.records] == [0, 1]


def test_an_xlsx_zip_bomb_is_refused_from_the_zip_directory() -> None:
    out = io.BytesIO(xlsx_bytes([HEADER, person(1)]))
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/bomb.bin", b"\0" * (3 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 100_000
    reason = file_problem(parse_roster("bomb.xlsx", data, Limits(xlsx_uncompressed=2 * 2**20)))
    assert "unpacks to 3.0 MiB" in reason and "2.0 MiB" in reason


def test_a_file_over_the_size_bound_is_refused() -> None:
    data = csv_bytes([person(i) for i in range(100)])
    reason = file_problem(parse_roster("big.csv", data, Limits(file_bytes=len(data) - 1)))
    assert "larger than" in reason


def test_too_many_rows_are_refused_in_csv_and_xlsx() -> None:
    rows = [person(i) for i in range(30)]
    limits = Limits(rows=25)
    assert "more than 25 rows" in file_problem(parse_roster("r.csv", csv_bytes(rows), limits))
    xlsx = xlsx_bytes([HEADER, *rows])
    assert "more than 25 rows" in file_problem(parse_roster("r.xlsx", xlsx, limits))


def test_a_header_wider_than_the_bound_is_refused() -> None:
    header = [*HEADER, *(f"c{i}" for i in range(20))]
    limits = Limits(columns=10)
    assert "more than 10 columns" in file_problem(
        parse_roster("c.csv", csv_bytes([], header), limits)
    )
    assert "more than 10 columns" in file_problem(
        parse_roster("c.xlsx", xlsx_bytes([header]), limits)
    )


def test_a_header_field_over_128_kib_is_an_unreadable_file_not_a_traceback() -> None:
    header = ["E" * (LIMITS.field_chars + 10), *HEADER[1:]]
    reason = file_problem(parse_roster("h.csv", csv_bytes([person(1)], header)))
    assert "header" in reason and "field limit" in reason


def test_an_unclosed_quote_gives_a_capped_list_of_problems() -> None:
    lines = [*(";".join(person(i)) for i in range(3)), 'Bea;"Unclosed;b@x.example;K;Espoo']
    lines += ["x;" * 40] * 40_000
    data = ("\r\n".join([";".join(HEADER), *lines]) + "\r\n").encode()
    parsed = parse_roster("q.csv", data)
    assert len(parsed.rows) == 3
    assert len(parsed.problems) == LIMITS.problems + 1
    last = parsed.problems[-1]
    assert last.file == "q.csv" and last.reason.endswith("more problems not listed")
    assert parsed.rejected > LIMITS.problems


def test_an_unreadable_file_does_not_stop_the_others(ctx: Context, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([person(1)], ["E" * 200_000, *HEADER[1:]]))
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([person(1), person(2)]))
    report = import_rosters(ctx, [bad, good])
    assert report.unreadable == ["bad.csv"]
    assert report.created == 2


# --- property: whatever the sizes, a file is either read or refused as a whole, by its bound ---

BOUNDS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@BOUNDS
@given(
    rows=st.integers(0, 40),
    extra_columns=st.integers(0, 12),
    limit_rows=st.integers(2, 40),
    limit_columns=st.integers(5, 15),
    limit_problems=st.integers(1, 5),
    bad_rows=st.integers(0, 10),
    xlsx=st.booleans(),
)
def test_size_bounds_hold_for_any_shape(
    rows: int,
    extra_columns: int,
    limit_rows: int,
    limit_columns: int,
    limit_problems: int,
    bad_rows: int,
    xlsx: bool,
) -> None:
    header = [*HEADER, *(f"lisä{i}" for i in range(extra_columns))]
    body = [person(i) + [""] * extra_columns for i in range(rows)]
    body += [["", "", f"bad{i}", "", ""] + [""] * extra_columns for i in range(bad_rows)]
    limits = Limits(rows=limit_rows, columns=limit_columns, problems=limit_problems)
    name = "p.xlsx" if xlsx else "p.csv"
    data = xlsx_bytes([header, *body]) if xlsx else csv_bytes(body, header)
    parsed = parse_roster(name, data, limits)
    if len(header) > limit_columns:
        assert f"more than {limit_columns} columns" in file_problem(parsed)
    elif 1 + len(body) > limit_rows:
        assert f"more than {limit_rows} rows" in file_problem(parsed)
    else:
        assert len(parsed.rows) == rows and parsed.rejected == bad_rows
        listed = parsed.problems[:limit_problems]
        assert all(p.file == name and p.line is not None for p in listed)
        if len(parsed.problems) > limit_problems:
            assert len(parsed.problems) == limit_problems + 1
            assert parsed.problems[-1].reason.endswith("more problems not listed")
