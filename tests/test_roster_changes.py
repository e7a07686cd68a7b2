"""A re-import names who was created, who updated (field by field) and who went missing, and
says whether the missing still get letters (MAILER_MISSING_FROM_ROSTER), on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailer.cli import app
from mailer.config import MissingFromRoster
from mailer.core.delivery.plan import Candidate, plan_deliveries
from mailer.pipeline import Context
from mailer.pipeline.roster import import_rosters
from mailer.store import ledger_plan

HEADER = "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta;Kieli;Rooli"
AINO = "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;fi;"
BO = "Bo;Ek;bo@vasa.example;Vasa stad;Vasa;sv;"


def roster(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "vipu.csv"
    path.write_text("\r\n".join((HEADER, *lines)) + "\r\n", encoding="utf-8")
    return path


def test_the_report_names_created_updated_and_missing(ctx: Context, tmp_path: Path) -> None:
    first = import_rosters(ctx, [roster(tmp_path, AINO, BO)])
    assert [(c.email, c.name, c.line) for c in first.created_contacts] == [
        ("aino@espoo.example", "Aino Mäkelä", 2),
        ("bo@vasa.example", "Bo Ek", 3),
    ]
    moved = "Aino;Mäkelä;aino@espoo.example;Vantaan kaupunki;Vantaa;fi;Kuraattori"
    again = import_rosters(ctx, [roster(tmp_path, moved)])
    assert again.created_contacts == []
    (updated,) = again.updated_contacts
    assert updated.email == "aino@espoo.example"
    assert updated.changes == {
        "organisation": ["Espoon kaupunki", "Vantaan kaupunki"],
        "municipality": ["049", "092"],
        "role": ["support", "welfare"],
        "title": [None, "Kuraattori"],
    }
    (missing,) = again.missing_contacts
    assert (missing.email, missing.receives_letters, again.missing_policy) == (
        "bo@vasa.example",
        True,
        "keep",
    )


def test_with_pause_the_missing_are_reported_and_not_planned(ctx: Context, tmp_path: Path) -> None:
    ctx.settings.missing_from_roster = MissingFromRoster.PAUSE
    import_rosters(ctx, [roster(tmp_path, AINO, BO)])
    report = import_rosters(ctx, [roster(tmp_path, AINO)])
    assert [(m.email, m.receives_letters) for m in report.missing_contacts] == [
        ("bo@vasa.example", False)
    ]
    with ctx.engine.connect() as conn:
        paused = ledger_plan.plan_candidate_chunk(
            conn, after=0, region=None, language=None, pause_missing=True
        )
        kept = ledger_plan.plan_candidate_chunk(conn, after=0, region=None, language=None)
    plan = plan_deliveries(
        [Candidate(r.id, r.region, r.language, r.status, r.paused) for r in paused], {}
    )
    assert (plan.new_count, dict(plan.skipped)) == (1, {"missing_from_roster": 1})
    again = plan_deliveries(
        [Candidate(r.id, r.region, r.language, r.status, r.paused) for r in kept], {}
    )
    assert again.new_count == 2


def test_the_table_says_the_missing_still_get_letters_and_how_to_stop(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    monkeypatch.setenv("MAILER_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    assert runner.invoke(app, ["roster", "import", str(roster(tmp_path, AINO, BO))]).exit_code == 0
    result = runner.invoke(app, ["roster", "import", str(roster(tmp_path, AINO))])
    assert result.exit_code == 0
    assert "Missing from roster: 1" in result.stdout
    assert "They still receive letters (MAILER_MISSING_FROM_ROSTER=keep)" in result.stdout
    assert "mailer contact unsubscribe EMAIL" in result.stdout
    moved = AINO.replace("Espoon kaupunki", "Espoon kaupunki, opetus")
    result = runner.invoke(app, ["roster", "import", str(roster(tmp_path, moved)), "--json"])
    (updated,) = json.loads(result.stdout)["updated_contacts"]
    assert updated["changes"] == {"organisation": ["Espoon kaupunki", "Espoon kaupunki, opetus"]}
    result = runner.invoke(app, ["roster", "import", str(roster(tmp_path, AINO))])
    assert "organisation: Espoon kaupunki, opetus → Espoon kaupunki" in result.stdout
