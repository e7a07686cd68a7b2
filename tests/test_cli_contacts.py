"""`mailer contact show|erase|reactivate` through the real Typer app, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from mailer.cli import app
from mailer.core.models import ContactStatus
from mailer.store import contacts as store
from mailer.store import tables
from mailer.store.base import create_db_engine, utcnow

HEADER = "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta"


@pytest.fixture
def imported(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    monkeypatch.setenv("MAILER_VAR_DIR", str(tmp_path / "var"))
    path = tmp_path / "vipu.csv"
    lines = [
        HEADER,
        "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo",
        "Bo;Ek;bo@vasa.example;Vasa stad;Vasa",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("roster", "import", str(path))[0] == 0
    return db_url


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def make_stale(db_url: str, email: str) -> None:
    engine = create_db_engine(db_url)
    with engine.begin() as conn:
        row = store.find_contact(conn, email)
        assert row is not None
        store.change_status(
            conn, row["id"], ContactStatus.STALE, at=utcnow(), kind="bounce", reason="5.1.1"
        )
    engine.dispose()


def test_show_prints_status_provenance_and_history(imported: str) -> None:
    make_stale(imported, "bo@vasa.example")
    code, out, _ = run("contact", "show", " Bo@Vasa.example", "--json")
    assert code == 0
    shown = json.loads(out)
    assert (shown["email"], shown["status"], shown["language"], shown["region"]) == (
        "bo@vasa.example",
        "stale",
        "fi",  # Vaasa is bilingual with a Finnish majority: fi unless the roster says sv
        "tyks",
    )
    assert [(s["source"], s["line"]) for s in shown["sources"]] == [("vipu.csv", 3)]
    assert [(h["kind"], h["new_status"]) for h in shown["history"]] == [("bounce", "stale")]
    code, out, _ = run("contact", "show", "bo@vasa.example")
    assert code == 0 and "vipu.csv" in out and "bounce" in out


def test_unknown_contact_exits_2_naming_the_address(imported: str) -> None:
    for command in (["show"], ["erase"], ["reactivate", "--note", "x"]):
        code, _, err = run("contact", *command, "nobody@espoo.example")
        assert code == 2
        assert "nobody@espoo.example" in err


def test_reactivate_needs_a_note_and_records_who(imported: str) -> None:
    make_stale(imported, "bo@vasa.example")
    assert run("contact", "reactivate", "bo@vasa.example")[0] == 2  # --note is required
    code, out, _ = run(
        "contact", "reactivate", "bo@vasa.example", "--note", "new address", "--by", "Maija"
    )
    assert (code, out.strip()) == (0, "reactivated")
    shown = json.loads(run("contact", "show", "bo@vasa.example", "--json")[1])
    assert shown["status"] == "active"
    assert [(h["kind"], h["actor"], h["note"]) for h in shown["history"]][-1] == (
        "reactivated",
        "Maija",
        "new address",
    )
    assert run("contact", "reactivate", "bo@vasa.example", "--note", "again")[0] == 1


def test_erase_removes_the_person_and_keeps_counts(imported: str) -> None:
    code, out, _ = run("contact", "erase", "aino@espoo.example", "--json")
    assert code == 0
    assert {k: v for k, v in json.loads(out).items() if k != "erased_at"} == {
        "region": "hyks",
        "deliveries": 0,
        "events": 0,
    }
    listed = json.loads(run("roster", "list", "--json")[1])
    assert [c["email"] for c in listed] == ["bo@vasa.example"]
    engine = create_db_engine(imported)
    with engine.connect() as conn:
        assert conn.execute(sa.select(tables.erasures.c.region)).scalars().all() == ["hyks"]
    engine.dispose()
