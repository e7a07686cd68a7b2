"""`mailer send` end to end: the real November 2026 edition, approved, sent by the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from mailer.cli import app
from mailer.pipeline import Context
from mailer.pipeline.editions.check import approve_edition
from mailer.store import tables
from tests.editions_data import import_letters
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.test_send_support import add_contacts, people, person

MONTH = "2026-11"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli_env(ctx: Context, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Context:
    # a private copy of the content, so the approval hash never sees the shared tree change
    shutil.copytree(ROOT / "letters", tmp_path / "letters")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    s = ctx.settings
    s.letters_dir = tmp_path / "letters"
    s.templates_dir = tmp_path / "templates"
    env = {
        "MAILER_DATABASE_URL": s.database_url,
        "MAILER_VAR_DIR": str(s.var_dir),
        "MAILER_LETTERS_DIR": str(s.letters_dir),
        "MAILER_TEMPLATES_DIR": str(s.templates_dir),
        "MAILER_SECRET_KEY": s.secret_key.get_secret_value(),
        "MAILER_PUBLIC_URL": s.public_url,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import_letters(ctx, s.letters_dir)
    return ctx


def _use_fake(monkeypatch: pytest.MonkeyPatch, fake: FakeSendGrid, key: str | None = None) -> None:
    monkeypatch.setenv("MAILER_PROVIDER", "sendgrid")
    monkeypatch.setenv("MAILER_SENDGRID_API_KEY", key or fake.api_key)
    monkeypatch.setenv("MAILER_SENDGRID_HOST", fake.url)


def _run(*args: str) -> tuple[int, str, str]:
    # scripts (and tests) have no terminal: they confirm with --yes
    result = CliRunner().invoke(app, ["send", *args, "--yes"])
    return result.exit_code, result.stdout, result.stderr


def test_send_refuses_an_edition_that_was_never_approved(cli_env: Context) -> None:
    add_contacts(cli_env.engine, people(3))
    code, out, _err = _run(MONTH, "--json")
    assert code == 2
    assert "never approved" in json.loads(out)["error"]  # under --json errors are JSON too
    with cli_env.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.deliveries)).scalar() == 0


def test_send_json_reports_and_the_outbox_holds_one_letter_each(cli_env: Context) -> None:
    add_contacts(cli_env.engine, [*people(12), person(40, status="stale")])
    approve_edition(cli_env, MONTH, "Kaisa Koordinaattori")
    code, out, _err = _run(MONTH, "--json")
    report = json.loads(out)
    assert code == 0
    assert {k: report[k] for k in ("edition", "planned", "accepted", "failed", "ambiguous")} == {
        "edition": MONTH,
        "planned": 12,
        "accepted": 12,
        "failed": 0,
        "ambiguous": 0,
    }
    assert report["skipped"] == {"stale": 1}
    letters = list((cli_env.settings.outbox_dir / MONTH).glob("*.eml"))
    assert len(letters) == 12
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in letters[0].read_bytes()
    code, out, _err = _run(MONTH, "--json")
    assert (code, json.loads(out)["accepted"], json.loads(out)["already_accepted"]) == (0, 0, 12)


def test_dry_run_counts_without_writing(cli_env: Context) -> None:
    add_contacts(cli_env.engine, people(5))
    approve_edition(cli_env, MONTH, "Kaisa Koordinaattori")
    code, out, _err = _run(MONTH, "--dry-run", "--json", "--region", "HYKS-alue")
    assert code == 0
    assert (json.loads(out)["planned"], json.loads(out)["dry_run"]) == (2, True)  # hyks fi + sv
    assert not (cli_env.settings.outbox_dir / MONTH).exists()


def test_a_failed_batch_exits_1_and_names_the_field(
    cli_env: Context, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_contacts(cli_env.engine, [*people(4), person(10, email="broken-address")])
    approve_edition(cli_env, MONTH, "Kaisa Koordinaattori")
    _use_fake(monkeypatch, fake_sendgrid)
    code, out, err = _run(MONTH)
    assert code == 1
    summary = " ".join(out.split())
    # person 10 shares hyks-fi with person 0: their request is refused for person 10's
    # address, and person 0 goes out in the next one
    assert "accepted 4 now" in summary and "failed 1" in summary
    assert "to.0.email" in err


def test_a_refused_api_key_stops_with_exit_2(
    cli_env: Context, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_contacts(cli_env.engine, people(4))
    approve_edition(cli_env, MONTH, "Kaisa Koordinaattori")
    _use_fake(monkeypatch, fake_sendgrid, key="SG.not-the-right-key")
    code, out, _err = _run(MONTH, "--json")
    assert code == 2
    assert "MAILER_SENDGRID_API_KEY" in json.loads(out)["error"]
    assert fake_sendgrid.requests == []


def test_test_to_sends_each_variant_once_outside_the_ledger(
    cli_env: Context, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_fake(monkeypatch, fake_sendgrid)
    code, out, _err = _run(MONTH, "--test-to", "coordinator@vip-verkosto.example", "--json")
    assert code == 0
    assert len(json.loads(out)) == 10
    assert fake_sendgrid.sent_to("coordinator@vip-verkosto.example") == 10
    subjects = sorted(r.body["subject"] for r in fake_sendgrid.requests if r.body)
    assert all(s.startswith("[TEST ") for s in subjects)
    assert len({s.split("]")[0] for s in subjects}) == 10
    with cli_env.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.deliveries)).scalar() == 0


def test_without_a_terminal_send_refuses_without_yes_and_sends_nothing(cli_env: Context) -> None:
    add_contacts(cli_env.engine, people(3))
    approve_edition(cli_env, MONTH, "Kaisa Koordinaattori")
    result = CliRunner().invoke(app, ["send", MONTH])
    assert result.exit_code == 2
    assert "add --yes" in result.stderr
    with cli_env.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.deliveries)).scalar() == 0


def test_on_a_terminal_send_shows_the_variants_and_the_schedule_and_asks(
    cli_env: Context, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    add_contacts(cli_env.engine, people(6))
    approve_edition(cli_env, MONTH, "Kaisa Koordinaattori")
    monkeypatch.setattr("mailer.cli.common.stdin_is_terminal", lambda: True)
    result = CliRunner().invoke(app, ["send", MONTH], input="n\n")
    assert result.exit_code == 1
    assert "active contacts" in result.stdout and "letters to send now: 6" in result.stdout
    assert f"Send 6 letters of {MONTH} now?" in result.stdout
    with cli_env.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.deliveries)).scalar() == 0
    result = CliRunner().invoke(app, ["send", MONTH, "--json"], input="y\n")
    assert result.exit_code == 0
    # the question went to stderr; CliRunner echoes the typed answer onto stdout (a terminal
    # would show it, not the pipe), so the JSON starts at its brace
    assert "Send 6 letters" not in result.stdout
    assert json.loads(result.stdout[result.stdout.index("{") :])["accepted"] == 6


def test_the_preview_names_the_schedule_that_covers_the_edition(ctx: Context) -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    from mailer.pipeline.send.confirm import _scheduled

    class Before(Context):
        def now(self) -> datetime:
            return datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

    settings = ctx.settings.model_copy(update={"schedules_dir": ROOT / "schedules"})
    fixed = Before(**{**vars(replace(ctx)), "settings": settings})
    at, schedule = _scheduled(fixed, "2026-12")
    assert at is not None and schedule is not None
    assert at.strftime("%a %d.%m.%Y %H:%M %Z") == "Tue 01.12.2026 09:00 EET"
    assert _scheduled(fixed, "2025-01") == (None, None)


def test_a_contact_with_an_unknown_job_title_gets_the_letter_with_the_other_role_label(
    cli_env: Context,
) -> None:
    rektor = person(1, email="rektor@kunta.example", role="other", title="Rektor")
    add_contacts(cli_env.engine, [rektor, person(2, email="tuki@kunta.example", title=None)])
    approve_edition(cli_env, MONTH, "Kaisa Koordinaattori")
    result = CliRunner().invoke(app, ["send", MONTH, "--json", "--yes"])
    assert result.exit_code == 0, repr(result.exception)
    assert json.loads(result.stdout)["accepted"] == 2


def test_test_to_takes_several_addresses_and_respects_region_and_language(
    cli_env: Context, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_fake(monkeypatch, fake_sendgrid)
    code, out, err = _run(
        MONTH,
        "--test-to",
        "kaisa@vip-verkosto.example, pekka@vip-verkosto.example",
        "--test-to",
        "Anna@Koulu.example",
        "--region",
        "TYKS",
        "--language",
        "sv",
    )
    assert code == 0, err
    assert "3 letters to kaisa@vip-verkosto.example, pekka@vip-verkosto.example" in " ".join(
        out.split()
    )
    for address in ("kaisa@vip-verkosto.example", "pekka@vip-verkosto.example"):
        assert fake_sendgrid.sent_to(address) == 1
    subjects = {r.body["subject"].split("]")[0] for r in fake_sendgrid.requests if r.body}
    assert subjects == {"[TEST tyks-sv"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("kaisa", "--test-to 'kaisa': An email address must have an @-sign."),
        ("kaisa@koulu.example,pekka@", "--test-to 'pekka@'"),
        (",".join(f"p{i}@koulu.example" for i in range(11)), "at most 10 addresses (got 11)"),
    ],
)
def test_a_bad_test_to_is_refused_with_a_clear_message_and_nothing_is_sent(
    cli_env: Context,
    fake_sendgrid: FakeSendGrid,
    monkeypatch: pytest.MonkeyPatch,
    value: str,
    message: str,
) -> None:
    _use_fake(monkeypatch, fake_sendgrid)
    code, _out, err = _run(MONTH, "--test-to", value)
    assert code == 2
    assert message in " ".join(err.split())
    assert "Traceback" not in err
    assert fake_sendgrid.requests == []
