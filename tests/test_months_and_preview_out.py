"""One month check everywhere (a full match on ASCII digits: "2026-11\\n" and Arabic-Indic digits
are refused at every entry point), and `preview --out` onto a file, /proc/self or "" is a clear
error, not a traceback or a write into the current directory."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from mailer.cli import app
from mailer.core.edition.content import validate_edition
from mailer.core.edition.dates import is_month
from mailer.providers.sendgrid.events import normalise_event

ROOT = Path(__file__).resolve().parent.parent
BAD_MONTHS = [
    "2026-11\n",
    "\u0662\u0660\u0662\u0666-\u0661\u0661",
    "２０２６-11",
    "2026-13",
    " 2026-11",
]


@pytest.mark.parametrize("month", BAD_MONTHS)
def test_only_ascii_yyyy_mm_is_a_month(month: str) -> None:
    assert not is_month(month)
    assert is_month("2026-11") and is_month("1999-01")


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(ROOT / "letters" / "2026-11.yaml", letters / "2026-11.yaml")
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    monkeypatch.setenv("MAILER_LETTERS_DIR", str(letters))
    monkeypatch.setenv("MAILER_TEMPLATES_DIR", str(ROOT / "templates"))
    monkeypatch.setenv("MAILER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.chdir(tmp_path)
    imported = CliRunner().invoke(
        app, ["edition", "import", str(letters / "2026-11.yaml"), "--by", "Liisa"]
    )
    assert imported.exit_code == 0, imported.output
    return tmp_path


@pytest.mark.parametrize("month", BAD_MONTHS[:2])
@pytest.mark.parametrize(
    "command",
    [
        ["edition", "check"],
        ["edition", "preview"],
        ["edition", "approve", "--by", "Aino"],
        ["edition", "status"],
        ["send"],
        ["report", "edition"],
    ],
)
def test_every_command_refuses_a_month_that_is_not_ascii_yyyy_mm(
    env: Path, command: list[str], month: str
) -> None:
    args = [*command[:2], month, *command[2:]] if command[0] == "edition" else [*command, month]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "YYYY-MM" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_letter_whose_month_has_other_digits_is_a_problem() -> None:
    text = "month: \u0662\u0660\u0662\u0666-\u0661\u0661\n"
    _, problems = validate_edition(text, "l.yaml", zone=ZoneInfo("Europe/Helsinki"))
    assert any(p.field == "month" for p in problems)


def test_an_event_edition_with_other_digits_is_not_an_edition() -> None:
    raw = {"event": "delivered", "email": "a@b.example", "edition": "\u0662\u0660\u0662\u0666-11"}
    assert normalise_event(raw, received_at=datetime(2026, 11, 3, tzinfo=UTC)).edition is None


def _preview(out: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, ["edition", "preview", "2026-11", "--out", out])
    return result.exit_code, result.output, result.exception


@pytest.mark.parametrize("out", ["", "   "])
def test_preview_out_empty_is_refused_instead_of_writing_here(env: Path, out: str) -> None:
    code, output, _ = _preview(out)
    assert code == 2 and "--out" in output
    assert not (env / "index.html").exists()


def test_preview_out_onto_a_file_is_a_clear_error(env: Path) -> None:
    target = env / "notes.txt"
    target.write_text("keep me")
    code, output, exception = _preview(str(target))
    assert code == 2 and "cannot write the preview there" in output
    assert isinstance(exception, SystemExit)
    assert target.read_text() == "keep me"


def test_preview_out_onto_proc_self_is_a_clear_error(env: Path) -> None:
    code, output, exception = _preview("/proc/self")
    assert code == 2 and "/proc/self" in output and "cannot write" in output
    assert isinstance(exception, SystemExit)


def test_preview_out_into_a_new_folder_works(env: Path) -> None:
    code, output, _ = _preview(str(env / "pv" / "nov"))
    assert code == 0, output
    assert (env / "pv" / "nov" / "index.html").exists()
