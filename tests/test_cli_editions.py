"""`mailer edition check|preview|approve|status` through the real Typer app."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailer.cli import app
from mailer.store.base import create_db_engine
from tests.editions_data import store_unchecked

ROOT = Path(__file__).resolve().parent.parent
LETTERS = Path(__file__).resolve().parent / "fixtures" / "letters"


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(ROOT / "letters" / "2026-11.yaml", letters / "2026-11.yaml")
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    monkeypatch.setenv("MAILER_LETTERS_DIR", str(letters))
    monkeypatch.setenv("MAILER_TEMPLATES_DIR", str(ROOT / "templates"))
    monkeypatch.setenv("MAILER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MAILER_PUBLIC_URL", "https://vipu.example")
    code, out = _run("import", str(letters / "2026-11.yaml"), "--by", "Liisa Koordinaattori")
    assert code == 0, out
    return letters


def _store_unchecked(name: str) -> None:
    engine = create_db_engine(os.environ["MAILER_DATABASE_URL"])
    try:
        store_unchecked(engine, "2026-11", (LETTERS / name).read_text(encoding="utf-8"))
    finally:
        engine.dispose()


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["edition", *args])
    return result.exit_code, result.output


def test_check_of_a_good_edition_exits_0(env: Path) -> None:
    code, out = _run("check", "2026-11")
    assert code == 0, out
    assert "all 10 variants OK" in out


def test_check_lists_every_problem_and_exits_1(env: Path) -> None:
    _store_unchecked("many-problems.yaml")  # saved before the rules: check still finds all
    code, out = _run("check", "2026-11", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert len(report["problems"]) == 5
    for problem in report["problems"]:
        assert {"file", "line", "field", "region", "language", "message"} <= problem.keys()
    code, out = _run("check", "2026-11")
    assert code == 1
    assert "5 problem(s)" in out and "preheader.sv" in out


def test_preview_writes_all_variants_and_an_index(env: Path, tmp_path: Path) -> None:
    code, out = _run("preview", "2026-11")
    assert code == 0, out
    index = Path(out.strip())
    assert index == tmp_path / "var" / "preview" / "2026-11" / "index.html"
    names = {p.name for p in index.parent.iterdir()}
    keys = [f"{r}-{lang}" for r in ("hyks", "kys", "tays", "tyks", "oys") for lang in ("fi", "sv")]
    assert names == {"index.html"} | {f"{k}.{s}" for k in keys for s in ("html", "txt")}
    page = index.read_text(encoding="utf-8")
    assert all(f'<iframe src="{k}.html"' in page for k in keys)
    tyks_sv = (index.parent / "tyks-sv.html").read_text(encoding="utf-8")
    assert "Hej Ebba," in tyks_sv and "Åbo stad" in tyks_sv and "%%" not in tyks_sv
    assert "https://vipu.example/u/" in (index.parent / "kys-fi.txt").read_text(encoding="utf-8")


def test_preview_into_a_chosen_folder(env: Path, tmp_path: Path) -> None:
    code, out = _run("preview", "2026-11", "--out", str(tmp_path / "p"))
    assert code == 0, out
    assert Path(out.strip()) == tmp_path / "p" / "index.html"


def test_approve_then_status(env: Path) -> None:
    code, out = _run("approve", "2026-11", "--by", "Paula Hyväksyjä", "--note", "ok")
    assert code == 0, out
    assert "approved" in out
    code, out = _run("status", "--json")
    assert code == 0
    [status] = json.loads(out)
    assert status["state"] == "approved" and status["approved_by"] == "Paula Hyväksyjä"
    assert status["note"] == "ok" and not status["single_person"]
    (env / "2026-11.yaml").write_text(
        (env / "2026-11.yaml").read_text(encoding="utf-8").replace("Kiitos", "Kiitos paljon"),
        encoding="utf-8",
    )
    code, out = _run("status", "2026-11")
    assert code == 0 and "approved" in out  # the file alone changes nothing
    code, out = _run("import", str(env / "2026-11.yaml"), "--by", "Pekka")
    assert code == 0 and "revision 2 (closing.fi)" in out
    assert "the approval of revision 1 by Paula Hyväksyjä no longer holds" in out
    code, out = _run("status", "2026-11")
    assert code == 0
    assert "draft" in out and "changed since approval" in out


def test_the_author_of_the_revision_cannot_approve_it_from_the_cli_either(env: Path) -> None:
    code, out = _run("approve", "2026-11", "--by", "liisa koordinaattori")
    assert code == 2
    assert "revision 1 was saved by Liisa Koordinaattori" in " ".join(out.split())
    code, out = _run("status", "2026-11", "--json")
    assert json.loads(out)[0]["state"] == "draft"


def test_unapprove_from_the_cli_returns_the_edition_to_draft(env: Path) -> None:
    assert _run("approve", "2026-11", "--by", "Paula Hyväksyjä")[0] == 0
    code, out = _run("unapprove", "2026-11")
    assert code == 0 and "withdrawn" in out
    [status] = json.loads(_run("status", "--json")[1])
    assert status["state"] == "draft" and status["unapproved_by"].startswith("cli:")
    assert _run("unapprove", "2026-11")[0] == 2  # nothing in force any more


def test_approving_a_broken_edition_is_refused_with_exit_2(env: Path) -> None:
    _store_unchecked("bad-date.yaml")
    code, out = _run("approve", "2026-11", "--by", "Liisa Koordinaattori")
    assert code == 2
    assert "events[0].start" in out


def test_a_month_with_a_file_but_no_revision_says_how_to_import_it(env: Path) -> None:
    text = (env / "2026-11.yaml").read_text(encoding="utf-8").replace("2026-11", "2026-12", 1)
    (env / "2026-12.yaml").write_text(text, encoding="utf-8")
    for command in ("check", "preview", "approve"):
        extra = ["--by", "Liisa"] if command == "approve" else []
        code, out = _run(command, "2026-12", *extra)
        assert code != 0
        assert "no revision in the database" in " ".join(out.split()), command
    code, out = _run("status", "--json")
    assert [s["month"] for s in json.loads(out)] == ["2026-11"]
    code, out = _run("status", "2026-12", "--json")
    [status] = json.loads(out)
    assert status["state"] == "missing" and "mailer edition import" in status["hint"]


def test_an_overridden_approval_needs_and_shows_the_reason(env: Path) -> None:
    letter = env / "2026-11.yaml"
    letter.write_text(
        letter.read_text(encoding="utf-8").replace("Marraskuu 2026: tuen", "Lokakuu 2026: tuen"),
        encoding="utf-8",
    )
    code, out = _run("import", str(letter), "--by", "Liisa Koordinaattori")
    assert code == 0, out
    code, out = _run("check", "2026-11")
    assert code == 1
    assert "overridable" in out and "--override" in out
    code, out = _run("approve", "2026-11", "--by", "Paula Hyväksyjä")
    assert code == 2
    assert "--override" in out
    code, out = _run(
        "approve", "2026-11", "--by", "Paula Hyväksyjä", "--override", "kooste lokakuulta"
    )
    assert code == 0, out
    assert "overriding 1 problem(s), reason recorded: kooste lokakuulta" in out
    code, out = _run("status", "--json")
    [status] = json.loads(out)
    assert status["override_reason"] == "kooste lokakuulta"
    assert len(status["overridden"]) == 1


@pytest.mark.parametrize(
    ("lang", "title", "sender_word"),
    [
        ("fi", "Kirjeen 2026-11 esikatselu", "Lähettäjä"),
        ("SV", "Förhandsvisning av brevet 2026-11", "Avsändare"),
        ("en", "Preview of the 2026-11 edition", "From"),
    ],
)
def test_the_preview_index_speaks_the_coordinators_language(
    env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    title: str,
    sender_word: str,
) -> None:
    monkeypatch.setenv("MAILER_FROM_NAME_SV", "VIP-nätverket")
    code, out = _run("preview", "2026-11", "--lang", lang, "--out", str(tmp_path / "p"))
    assert code == 0, out
    page = (tmp_path / "p" / "index.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang.lower()}">' in page
    assert f"<title>{title}</title>" in page
    assert f"<dt>{sender_word}</dt>" in page
    # subject, preheader and From of each variant, the From in the variant's language
    assert "<dd>Marraskuu 2026: tuen seuranta ja syksyn tapahtumat</dd>" in page
    assert "<dd>November 2026: uppföljningen av stödet och höstens evenemang</dd>" in page
    assert "<dd>VIP-verkosto &lt;vipu@vip-verkosto.example&gt;</dd>" in page
    assert "<dd>VIP-nätverket &lt;vipu@vip-verkosto.example&gt;</dd>" in page
    assert page.count("<dt>") == 30


def test_a_preview_in_an_unknown_language_is_refused(env: Path) -> None:
    code, out = _run("preview", "2026-11", "--lang", "de")
    assert code == 2
    assert "--lang" in out
