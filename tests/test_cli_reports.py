"""`mailer report bounces|edition`, through the real CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from mailer.cli import app
from tests.conftest import ROOT
from tests.reports_data import build_scene

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str, engine: Engine, tmp_path: Path) -> Path:
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    monkeypatch.setenv("MAILER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MAILER_TEMPLATES_DIR", str(ROOT / "templates"))
    build_scene(engine)
    return tmp_path


def test_bounces_json_has_regions_stale_contacts_and_totals(env: Path) -> None:
    result = runner.invoke(app, ["report", "bounces", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["totals"] == {"stale": 2, "suspect": 2, "without_active_contact": 3}
    hyks = data["regions"][0]
    assert hyks["region"] == "hyks"
    assert hyks["stale"][0]["evidence"][0]["status"] == "5.1.1"


def test_bounces_csv_for_one_region(env: Path) -> None:
    result = runner.invoke(app, ["report", "bounces", "--region", "TYKS-alue", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff")), delimiter=";"))
    assert {(r["region"], r["kind"], r["organisation"]) for r in rows} == {
        ("tyks", "stale", "Turun kaupunki"),
        ("tyks", "no_active_contact", "Turun kaupunki"),
    }


def test_bounces_table_names_the_stale_contact_and_the_organisations(env: Path) -> None:
    result = runner.invoke(app, ["report", "bounces"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "anna.virtanen@espoo.example" in result.stdout
    assert "organisations without an active contact" in result.stdout
    assert "stale 2, suspect 2" in result.stdout


def test_bounces_html_writes_the_admin_page_standalone_and_prints_its_path(env: Path) -> None:
    out = env / "report.html"
    result = runner.invoke(app, ["report", "bounces", "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    page = out.read_text(encoding="utf-8")
    assert "<h1>Bounce report</h1>" in page
    assert "anna.virtanen@espoo.example" in page
    assert 'href="/admin/' not in page  # no links into an admin site the file cannot reach
    default = runner.invoke(app, ["report", "bounces", "--format", "html"])
    assert Path(default.stdout.strip()).parent == env / "var" / "reports"
    assert Path(default.stdout.strip()).read_text(encoding="utf-8").startswith("<!doctype html>")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "lappi"], "--region"),
        (["--since", "last week"], "--since"),
    ],
)
def test_bad_options_exit_2_naming_the_option(env: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["report", "bounces", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_edition_report_json_and_table(env: Path) -> None:
    result = runner.invoke(app, ["report", "edition", "2026-03", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["edition"] == "2026-03"
    assert len(data["rows"]) == 10
    assert data["total"]["planned"] == 1
    assert data["total"]["bounced"] == 1
    table = runner.invoke(app, ["report", "edition", "2026-03"], terminal_width=200)
    assert table.exit_code == 0
    assert "hyks" in table.stdout
    assert "total" in table.stdout
    bad = runner.invoke(app, ["report", "edition", "2026-13"])
    assert bad.exit_code == 2
