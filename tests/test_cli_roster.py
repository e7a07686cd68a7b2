"""`mailer roster import|list` through the real Typer app, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailer.cli import app

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "recipients").iterdir() if p.suffix in (".csv", ".xlsx"))
HEADER = "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta;Alue;Kieli;Rooli"


@pytest.fixture(autouse=True)
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    monkeypatch.setenv("MAILER_VAR_DIR", str(tmp_path / "var"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def roster(tmp_path: Path, name: str, *lines: str) -> str:
    path = tmp_path / name
    path.write_text("\r\n".join((HEADER, *lines)) + "\r\n", encoding="utf-8")
    return str(path)


def test_import_of_the_samples_prints_json_with_counts_and_exits_0() -> None:
    code, out, _ = run("roster", "import", *map(str, SAMPLES), "--json")
    assert code == 0
    report = json.loads(out)
    assert {k: report[k] for k in ("rows", "accepted", "rejected", "created", "updated")} == {
        "rows": 102,
        "accepted": 102,
        "rejected": 0,
        "created": 101,
        "updated": 0,
    }
    assert (report["unchanged"], report["missing"], report["problems"]) == (0, 0, [])
    for f in report["files"]:
        accounted = 1 + f["blank_lines"] + f["rows"] + f["continuation_lines"]
        assert (f["lines"], f["rows"]) == (accounted, f["accepted"] + f["rejected"])


def test_rejected_rows_are_listed_with_file_line_column_and_exit_1(tmp_path: Path) -> None:
    path = roster(
        tmp_path,
        "r.csv",
        "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;;;",
        "Bo;Ek;bo@;Vasa stad;Vasa;;;",
        "Cay;Berg;cay@mariehamn.example;Mariehamns stad;Mariehamn;;;",
    )
    code, out, _ = run("roster", "import", path, "--json")
    assert code == 1
    report = json.loads(out)
    assert (report["accepted"], report["rejected"], report["created"]) == (1, 2, 1)
    assert [(p["file"], p["line"], p["column"]) for p in report["problems"]] == [
        ("r.csv", 3, "Sähköposti"),
        ("r.csv", 4, "Kunta"),
    ]
    assert all(p["reason"] for p in report["problems"])
    code, out, _ = run("roster", "import", path)
    assert code == 1
    assert "Problems (rows not imported): 2" in out
    assert "Sähköposti" in out and "Åland" in out


def test_an_unreadable_file_exits_2_and_the_other_files_are_imported(tmp_path: Path) -> None:
    good = roster(tmp_path, "good.csv", "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;;;")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    code, out, err = run("roster", "import", str(broken), good, "--json")
    assert code == 2
    report = json.loads(out)
    assert (report["unreadable"], report["created"]) == (["broken.xlsx"], 1)
    assert "broken.xlsx" in err
    code, out, _ = run("roster", "list", "--json")
    assert [c["email"] for c in json.loads(out)] == ["aino@espoo.example"]


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    path = roster(tmp_path, "r.csv", "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;;;")
    code, out, _ = run("roster", "import", path, "--dry-run")
    assert code == 0
    assert "[dry run]" in out and "would be created 1" in out
    assert json.loads(run("roster", "list", "--json")[1]) == []


def test_list_filters_and_shows_the_agreed_fields() -> None:
    run("roster", "import", *map(str, SAMPLES))
    code, out, _ = run("roster", "list", "--region", "tyks", "--language", "sv", "--json")
    assert code == 0
    listed = json.loads(out)
    assert listed and {(c["region"], c["language"]) for c in listed} == {("tyks", "sv")}
    assert {
        "email",
        "first_name",
        "last_name",
        "organisation",
        "municipality",
        "region",
        "language",
        "role",
        "status",
    } <= listed[0].keys()
    malin = next(c for c in listed if c["email"] == "malin.gronlund@mariehamn.example")
    assert (malin["municipality"], malin["status"]) == ("Maarianhamina", "active")
    code, out, _ = run("roster", "list", "--status", "stale", "--json")
    assert (code, json.loads(out)) == (0, [])
    code, _, _ = run("roster", "list", "--region", "lappi")
    assert code == 2


def test_csv_export_neutralises_formula_cells(tmp_path: Path) -> None:
    path = roster(
        tmp_path,
        "r.csv",
        "=HYPERLINK(1);+Ek;aino@espoo.example;@SUM(A1);Espoo;;;",
        "-Bo;Ek;bo@espoo.example;Espoon kaupunki;Espoo;;;",
    )
    assert run("roster", "import", path)[0] == 0
    code, out, _ = run("roster", "list", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff")), delimiter=";"))
    by_email = {r["email"]: r for r in rows}
    aino, bo = by_email["aino@espoo.example"], by_email["bo@espoo.example"]
    assert (aino["first_name"], aino["last_name"], aino["organisation"]) == (
        "'=HYPERLINK(1)",
        "'+Ek",
        "'@SUM(A1)",
    )
    assert (bo["first_name"], bo["organisation"]) == ("'-Bo", "Espoon kaupunki")
    assert all(not value.startswith(("=", "+", "-", "@")) for r in rows for value in r.values())


def test_json_and_csv_together_are_refused() -> None:
    code, out, _ = run("roster", "list", "--json", "--csv")
    assert code == 2
    assert "--json" in json.loads(out)["error"]  # under --json an error is JSON on stdout


def test_merge_conflicts_are_shown_with_both_sources(tmp_path: Path) -> None:
    a = roster(tmp_path, "a.csv", "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;;;")
    b = roster(tmp_path, "b.csv", "Aino;Virta;AINO@espoo.example;Espoon kaupunki;Espoo;;;")
    code, out, _ = run("roster", "import", a, b)
    assert code == 0
    assert "Merge conflicts: 1" in out
    assert "b.csv:2" in out and "a.csv:2" in out and "Virta" in out
    code, out, _ = run("roster", "import", a, b, "--json", "--dry-run")
    (conflict,) = json.loads(out)["conflicts"]
    assert (conflict["field"], conflict["kept"], conflict["other"]) == (
        "last_name",
        "Virta",
        "Mäkelä",
    )
