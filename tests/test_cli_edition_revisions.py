"""`mailer edition import|export|new|history` through the real Typer app."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailer.cli import app

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "letters" / "2026-11.yaml"
LETTERS = Path(__file__).resolve().parent / "fixtures" / "letters"


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    letters = tmp_path / "letters"
    letters.mkdir()
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    monkeypatch.setenv("MAILER_LETTERS_DIR", str(letters))
    monkeypatch.setenv("MAILER_VAR_DIR", str(tmp_path / "var"))
    return letters


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["edition", *args])
    return result.exit_code, result.output


def test_import_then_export_to_stdout_gives_the_file_back(env: Path) -> None:
    code, out = _run("import", str(SAMPLE), "--by", "Liisa Koordinaattori")
    assert code == 0, out
    assert "2026-11 revision 1 (first revision)" in out
    code, out = _run("export", "2026-11")
    assert code == 0
    assert out == SAMPLE.read_text(encoding="utf-8")


def test_export_to_a_file_and_import_it_again_changes_nothing(env: Path, tmp_path: Path) -> None:
    _run("import", str(SAMPLE), "--by", "Liisa")
    code, out = _run("export", "2026-11", "--out", str(tmp_path / "2026-11.yaml"))
    assert code == 0, out
    assert (tmp_path / "2026-11.yaml").read_text("utf-8") == SAMPLE.read_text("utf-8")
    code, out = _run("import", str(tmp_path / "2026-11.yaml"), "--by", "Pekka")
    assert code == 0 and "unchanged (still revision 1)" in out


def test_an_invalid_import_lists_every_problem_and_exits_2(env: Path) -> None:
    path = Path(shutil.copy(LETTERS / "many-problems.yaml", env / "2026-11.yaml"))
    code, out = _run("import", str(path), "--by", "Liisa")
    assert code == 2
    assert "5 problem(s)" in out and "preheader.sv" in out and "nothing was stored" in out
    code, out = _run("history", "2026-11", "--json")
    assert code == 0 and json.loads(out) == []


def test_new_prints_the_cleared_events_and_what_to_reword(env: Path) -> None:
    _run("import", str(SAMPLE), "--by", "Liisa")
    code, out = _run("new", "2026-12", "--by", "Liisa")
    assert code == 0, out
    assert "2026-12 revision 1 from 2026-11 revision 1; 7 event(s) cleared" in out
    assert "reword line 7 subject.fi" in out
    code, out = _run("new", "2026-12", "--from", "2026-11", "--by", "Liisa")
    assert code == 2 and "already in the database" in out


def test_history_shows_who_when_and_what_changed(env: Path) -> None:
    path = Path(shutil.copy(SAMPLE, env / "2026-11.yaml"))
    _run("import", str(path), "--by", "Liisa")
    path.write_text(path.read_text("utf-8").replace("Kiitos, että", "Kiitos!"), encoding="utf-8")
    _run("import", str(path), "--by", "Pekka")
    code, out = _run("history", "2026-11", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["number"], r["author"], r["changes"]) for r in rows] == [
        (2, "Pekka", ["closing.fi"]),
        (1, "Liisa", None),
    ]
    code, out = _run("history", "2026-11")
    assert code == 0 and "closing.fi" in out and "Pekka" in out


def test_export_of_a_file_only_month_says_to_import_it(env: Path) -> None:
    shutil.copy(SAMPLE, env / "2026-11.yaml")
    code, out = _run("export", "2026-11")
    assert code == 2
    flat = " ".join(out.split()).replace("\n", "")  # rich wraps long lines
    assert "no revision in the database; run `mailer edition import" in flat
