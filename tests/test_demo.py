"""`mailer demo` works in its own folder and database: a coordinator's register, editions,
outbox and rosters stay untouched, and the printed paths say where it wrote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailer.cli import app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A coordinator's project: the samples plus their own draft edition and roster."""
    shutil.copytree(ROOT / "letters", tmp_path / "letters")
    shutil.copytree(ROOT / "recipients", tmp_path / "recipients")
    draft = (ROOT / "letters" / "2026-11.yaml").read_text(encoding="utf-8")
    (tmp_path / "letters" / "2027-01.yaml").write_text(draft, encoding="utf-8")
    (tmp_path / "recipients" / "oma.csv").write_text(
        "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta\n"
        "Oona;Oma;oona@oma.example;Oulun kaupunki;Oulu\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MAILER_TEMPLATES_DIR", str(ROOT / "templates"))
    monkeypatch.setenv("MAILER_DATABASE_URL", f"sqlite:///{tmp_path / 'mine.db'}")
    return tmp_path


def test_the_demo_never_touches_the_users_data_and_says_where_it_wrote(project: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    demo = Path("var") / "demo"
    assert report["edition"] == "2026-11"  # the sample, not the coordinator's newer draft
    assert report["imported"]["created"] == 101  # the sample rosters only
    assert Path(report["folder"]) == demo
    assert report["database"] == f"sqlite:///{demo / 'mailer.db'}"
    for key in ("outbox", "preview_index", "report_html"):
        assert Path(report[key]).is_relative_to(demo), key
    assert (demo / "outbox" / "2026-11").is_dir()
    # the user's own world: no database created, no outbox, their files unchanged
    assert not (project / "mine.db").exists()
    assert not (project / "var" / "outbox").exists()
    assert sorted(p.name for p in (project / "letters").iterdir()) == [
        "2026-11.yaml",
        "2027-01.yaml",
    ]
    assert sorted(p.name for p in (demo / "letters").iterdir()) == ["2026-11.yaml"]
    assert "oma.csv" not in {p.name for p in (demo / "recipients").iterdir()}


def test_the_demo_table_prints_its_folder_and_database(project: Path) -> None:
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "demo folder:    var/demo" in result.stdout
    assert "database:       sqlite:///var/demo/mailer.db" in result.stdout
    assert "outbox:         var/demo/outbox/2026-11" in result.stdout
    again = CliRunner().invoke(app, ["demo", "--json"])
    assert json.loads(again.stdout)["sent"]["accepted"] == 0  # nothing sent twice


def test_the_demo_says_so_when_the_samples_are_missing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "recipients" / "vipu-kontaktpersoner-sv.csv").unlink()
    result = CliRunner().invoke(app, ["demo", "--json"])
    assert result.exit_code == 2
    assert "vipu-kontaktpersoner-sv.csv not found" in json.loads(result.stdout)["error"]
