"""The command line behaves one way everywhere: --version, help without type noise, region and
language options in any case, errors under --json as a JSON object on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

import mailer
from mailer.cli import app
from mailer.cli.common import parse_language_option, parse_region_option
from mailer.core.models import Language, Region


def _commands() -> list[list[str]]:
    found: list[list[str]] = []

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        else:
            found.append(path)

    walk(typer.main.get_command(app), [])
    return found


def test_version_prints_the_package_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"mailer (vipu-mailer) {mailer.__version__}"


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_help_has_no_bool_or_str_noise(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], terminal_width=100)
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout and "<str>" not in result.stdout


@pytest.mark.parametrize(
    ("text", "region"),
    [("hyks", Region.HYKS), ("HYKS", Region.HYKS), ("Kys", Region.KYS), ("KYS-alue", Region.KYS),
     ("HUCS", Region.HYKS), ("oys", Region.OYS)],
)  # fmt: skip
def test_region_options_take_any_case(text: str, region: Region) -> None:
    assert parse_region_option(text) is region


@pytest.mark.parametrize(
    ("text", "language"),
    [("fi", Language.FI), ("FI", Language.FI), ("Sv", Language.SV), ("svenska", Language.SV)],
)
def test_language_options_take_any_case(text: str, language: Language) -> None:
    assert parse_language_option(text) is language


@pytest.mark.parametrize("command", [["roster", "list"], ["send", "2026-11", "--dry-run"]])
def test_every_command_reads_region_and_language_the_same_way(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--region", "Lappi"])
    assert result.exit_code == 2
    flat = " ".join(result.output.replace("│", " ").split())  # unwrap rich's error box
    assert "'Lappi': one of hyks, kys, tays, tyks, oys (any case)" in flat


def test_roster_list_filters_with_capitals(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    roster = tmp_path / "r.csv"
    roster.write_text(
        "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta;Kieli\n"
        "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;fi\n"
        "Bo;Ek;bo@vasa.example;Vasa stad;Vasa;sv\n",
        encoding="utf-8",
    )
    assert CliRunner().invoke(app, ["roster", "import", str(roster)]).exit_code == 0
    result = CliRunner().invoke(app, ["roster", "list", "--region", "HYKS", "--json"])
    assert [c["email"] for c in json.loads(result.stdout)] == ["aino@espoo.example"]
    result = CliRunner().invoke(app, ["roster", "list", "--language", "SV", "--json"])
    assert [c["email"] for c in json.loads(result.stdout)] == ["bo@vasa.example"]


@pytest.mark.parametrize(
    "command",
    [["contact", "show", "x@y.example"], ["roster", "list"], ["edition", "status"],
     ["edition", "approve", "2026-11", "--by", "A"], ["edition", "preview", "2026-11"],
     ["report", "edition", "2026-11"], ["schedule", "runs"],
     ["contact", "reactivate", "x@y.example", "--note", "n"]],
    ids=" ".join,
)  # fmt: skip
def test_a_configuration_error_under_json_is_a_json_object_on_stdout(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILER_BATCH_SIZE", "0")
    result = CliRunner().invoke(app, [*command, "--json"])
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    assert error["kind"] == "configuration" and error["error"].startswith("MAILER_BATCH_SIZE: ")
    assert result.stderr == ""


def test_output_to_a_pipe_is_not_wrapped(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    long = "a" * 60 + "@" + "b" * 40 + ".example"
    roster = tmp_path / "r.csv"
    roster.write_text(
        "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta\n"
        f"Aino;Mäkelä;{long};Espoon kaupunki;Espoo\n",
        encoding="utf-8",
    )
    CliRunner().invoke(app, ["roster", "import", str(roster)])
    result = CliRunner().invoke(app, ["roster", "list"])
    assert long in result.stdout  # whole, on one line


def test_times_shown_to_people_are_helsinki_time(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from mailer.store.base import create_db_engine
    from mailer.store.tables import contacts

    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    roster = tmp_path / "r.csv"
    roster.write_text(
        "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta\n"
        "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo\n",
        encoding="utf-8",
    )
    CliRunner().invoke(app, ["roster", "import", str(roster)])
    engine = create_db_engine(db_url)
    with engine.begin() as conn:
        at = datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("UTC"))
        conn.execute(contacts.update().values(created_at=at, missing_since=at))
    engine.dispose()
    shown = CliRunner().invoke(app, ["contact", "show", "aino@espoo.example"]).stdout
    assert "2026-07-01 12:30 EEST" in shown and "09:30" not in shown
    listed = CliRunner().invoke(app, ["roster", "list", "--csv"]).stdout
    assert "2026-07-01T12:30:00+03:00" in listed
