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
    for command in (["show"], ["erase", "--yes"], ["reactivate", "--note", "x"], ["unsubscribe"]):
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
    code, out, _ = run("contact", "erase", "aino@espoo.example", "--json", "--yes")
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


def test_erase_without_a_terminal_needs_yes(imported: str) -> None:
    code, _, err = run("contact", "erase", "aino@espoo.example")
    assert code == 2 and "add --yes" in err
    listed = json.loads(run("roster", "list", "--json")[1])
    assert "aino@espoo.example" in [c["email"] for c in listed]


def test_erase_on_a_terminal_asks_and_no_changes_nothing(
    imported: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mailer.cli.common.stdin_is_terminal", lambda: True)
    result = CliRunner().invoke(app, ["contact", "erase", "aino@espoo.example"], input="n\n")
    assert result.exit_code == 1 and "Erase aino@espoo.example" in result.output
    listed = json.loads(run("roster", "list", "--json")[1])
    assert "aino@espoo.example" in [c["email"] for c in listed]


def test_an_erased_person_is_named_by_the_next_import_and_not_added(
    imported: str, tmp_path: Path
) -> None:
    assert run("contact", "erase", "aino@espoo.example", "--yes")[0] == 0
    engine = create_db_engine(imported)
    with engine.connect() as conn:
        (digest,) = conn.execute(sa.select(store.erasures.c.address_hash)).scalars().all()
    engine.dispose()
    assert digest and "aino" not in digest and len(digest) == 64
    code, out, _ = run("roster", "import", str(tmp_path / "vipu.csv"), "--json")
    report = json.loads(out)
    assert code == 1 and report["created"] == 0
    (erased,) = report["erased"]
    assert (erased["file"], erased["line"]) == ("vipu.csv", 2)
    assert "aino@espoo.example was erased on " in erased["reason"]
    assert erased["reason"].endswith("; not imported; `--allow-erased` to add again")
    code, out, _ = run("roster", "import", str(tmp_path / "vipu.csv"), "--allow-erased", "--json")
    assert (code, json.loads(out)["created"]) == (0, 1)


def test_unsubscribe_stops_letters_with_a_note_and_reactivate_undoes_it(imported: str) -> None:
    code, out, _ = run("contact", "unsubscribe", "aino@espoo.example", "--note", "left", "--json")
    assert (code, json.loads(out)["outcome"]) == (0, "unsubscribed")
    assert run("contact", "unsubscribe", "aino@espoo.example")[0] == 1
    shown = json.loads(run("contact", "show", "aino@espoo.example", "--json")[1])
    assert shown["status"] == "unsubscribed"
    assert [(h["kind"], h["note"]) for h in shown["history"]] == [("unsubscribed", "left")]
    code, out, _ = run("contact", "reactivate", "aino@espoo.example", "--note", "back", "--json")
    assert (code, json.loads(out)) == (0, {"email": "aino@espoo.example", "outcome": "reactivated"})


def test_reactivating_a_spam_complainer_needs_force(imported: str) -> None:
    engine = create_db_engine(imported)
    with engine.begin() as conn:
        row = store.find_contact(conn, "bo@vasa.example")
        assert row is not None
        store.change_status(
            conn,
            row["id"],
            ContactStatus.UNSUBSCRIBED,
            at=utcnow(),
            kind="policy",
            reason="unsubscribed: spamreport",
            source="sendgrid:spamreport",
        )
    engine.dispose()
    code, out, _ = run("contact", "reactivate", "bo@vasa.example", "--note", "x", "--json")
    assert code == 2
    refused = json.loads(out)
    assert "reported the letter as spam" in refused["error"] and "--force" in refused["error"]
    assert json.loads(run("contact", "show", "bo@vasa.example", "--json")[1])["status"] == (
        "unsubscribed"
    )
    code, _, _ = run("contact", "reactivate", "bo@vasa.example", "--note", "consent", "--force")
    assert code == 0


def test_errors_under_json_are_a_json_object_on_stdout(imported: str) -> None:
    code, out, err = run("contact", "show", "nobody@espoo.example", "--json")
    assert code == 2 and err == ""
    assert (
        json.loads(out)
        == {
            "error": "nobody@espoo.example: no such contact",
            "kind": "ContactNotFoundError",
            "exit_status": 2,
        }
        or "nobody@espoo.example" in json.loads(out)["error"]
    )
