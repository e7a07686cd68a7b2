"""Appointment requests: the registry-address roster column, the plan, the request ledger
(exactly once per organisation and month), the letters, and `mailer organisations
request-appointment` / `requests`, on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from mailer.cli import app
from mailer.core.appointments.plan import AddressEntry, key_of, plan_requests
from mailer.core.models import ContactStatus, DeliveryState, Region
from mailer.core.register.organisations import OrganisationSummary
from mailer.core.roster.rows import parse_roster
from mailer.core.tokens import InvalidTokenError
from mailer.pipeline import Context
from mailer.pipeline.appointments.requests import list_requests, request_appointments
from mailer.pipeline.appointments.tokens import (
    CONFIRM_LIFETIME,
    make_confirm_token,
    make_request_token,
    read_confirm_token,
    read_request_token,
)
from mailer.pipeline.contacts import unsubscribe_contact
from mailer.pipeline.roster import import_rosters

HEADER = "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta;Kirjaamo"
ROSTER = (
    f"{HEADER}\n"
    "Aino;Aalto;aino.aalto@espoo.example;Espoon kaupunki;049;kirjaamo@espoo.example\n"
    "Bo;Berg;bo.berg@vanda.example;Vantaan kaupunki;092;\n"
    "Cai;Carlsson;cai.carlsson@kauniainen.example;Kauniaisten kaupunki;235;"
    "registratur@grankulla.example\n"
)


def _import(ctx: Context, tmp_path: Path, text: str = ROSTER) -> None:
    path = tmp_path / "rosteri.csv"
    path.write_text(text, encoding="utf-8")
    report = import_rosters(ctx, [path])
    assert report.created, report


def _outbox_letters(ctx: Context) -> list[Message]:
    folder = ctx.settings.outbox_dir
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.rglob("*.eml"))
    ]


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode("utf-8")
    raise AssertionError("no text part")


def test_the_registry_column_is_read_in_finnish_and_swedish_and_a_bad_address_is_a_problem() -> (
    None
):
    finnish = parse_roster("a.csv", ROSTER.encode("utf-8"))
    assert [r.registry_email for r in finnish.rows] == [
        "kirjaamo@espoo.example",
        None,
        "registratur@grankulla.example",
    ]
    swedish = parse_roster(
        "b.csv",
        (
            "Förnamn;Efternamn;E-post;Organisation;Kommun;Organisationens e-post\n"
            "Dan;Ek;dan.ek@esbo.example;Esbo stad;049;inte en adress\n"
        ).encode(),
    )
    assert swedish.rows == []
    [problem] = swedish.problems
    assert (problem.file, problem.line, problem.column) == ("b.csv", 2, "Organisationens e-post")
    assert "organisation's address" in problem.reason


def test_an_organisation_without_an_active_contact_is_asked_once_per_month(
    ctx: Context, tmp_path: Path
) -> None:
    _import(ctx, tmp_path)
    for address in ("aino.aalto@espoo.example", "bo.berg@vanda.example"):
        unsubscribe_contact(ctx, address, note="left the post")

    dry = request_appointments(ctx, dry_run=True)
    assert [r.organisation for r in dry.to_request] == ["Espoon kaupunki"]
    assert dry.without_address == ["Vantaan kaupunki"]  # no address: chase by hand
    assert _outbox_letters(ctx) == [] and list_requests(ctx) == []

    first = request_appointments(ctx)
    assert [(r.email, r.state) for r in first.sent] == [
        ("kirjaamo@espoo.example", DeliveryState.ACCEPTED)
    ]
    again = request_appointments(ctx)
    assert again.sent == [] and again.already_asked == ["Espoon kaupunki"]
    [letter] = _outbox_letters(ctx)
    assert letter["To"].endswith("<kirjaamo@espoo.example>")
    [request] = list_requests(ctx)
    assert request.state is DeliveryState.ACCEPTED
    assert request.round == ctx.now().astimezone(ctx.zone).strftime("%Y-%m")
    link = (
        f"{ctx.settings.public_url}/appoint/{make_request_token(ctx.settings, request.request_id)}"
    )
    body = _text(letter)
    assert link in body
    assert "VIPU-yhdyshenkilö" in body and "VIPU-kontaktperson" in body  # Finnish and Swedish
    assert "Espoon kaupunki" in body


def test_the_request_link_is_purpose_bound(ctx: Context) -> None:
    token = make_request_token(ctx.settings, "a-request")
    assert read_request_token(ctx.settings, token) == "a-request"
    other = ctx.settings.model_copy(update={"secret_key": SecretStr("x" * 40)})
    wrong_purpose = make_confirm_token(ctx.settings, "a-request", now=ctx.now())
    for bad in (token[:-2], make_request_token(other, "a-request"), wrong_purpose):
        with pytest.raises(InvalidTokenError):
            read_request_token(ctx.settings, bad)


def test_a_later_roster_changes_the_organisations_address(ctx: Context, tmp_path: Path) -> None:
    _import(ctx, tmp_path)
    moved = ROSTER.replace("kirjaamo@espoo.example", "uusi.kirjaamo@espoo.example")
    import_rosters(ctx, [_write(tmp_path / "rosteri.csv", moved)])
    unsubscribe_contact(ctx, "aino.aalto@espoo.example")
    [target] = request_appointments(ctx, region=Region.HYKS, dry_run=True).to_request
    assert target.email == "uusi.kirjaamo@espoo.example"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_cli_requests_appointments_and_lists_them_as_json(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(ctx, tmp_path)
    unsubscribe_contact(ctx, "cai.carlsson@kauniainen.example")
    monkeypatch.setenv("MAILER_DATABASE_URL", ctx.settings.database_url)
    monkeypatch.setenv("MAILER_VAR_DIR", str(ctx.settings.var_dir))
    runner = CliRunner()
    dry = runner.invoke(app, ["organisations", "request-appointment", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert [r["email"] for r in json.loads(dry.output)["to_request"]] == [
        "registratur@grankulla.example"
    ]
    sent = runner.invoke(app, ["organisations", "request-appointment", "--json"])
    assert sent.exit_code == 0, sent.output
    assert [r["state"] for r in json.loads(sent.output)["sent"]] == ["accepted"]
    listed = runner.invoke(app, ["organisations", "requests", "--json"])
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert (row["organisation"], row["state"]) == ("Kauniaisten kaupunki", "accepted")


def _organisation(status: ContactStatus) -> OrganisationSummary:
    return OrganisationSummary(Region.HYKS, "private", "Koulu Oy", "091", {status: 1})


def test_the_plan_asks_only_organisations_without_an_active_or_pending_contact() -> None:
    key = key_of(_organisation(ContactStatus.STALE))
    addresses = {key: AddressEntry(key, "Koulu Oy", "kirjaamo@koulu.example", "a.csv:2")}
    stale = plan_requests([_organisation(ContactStatus.STALE)], addresses, set())
    assert [t.email for t in stale.targets] == ["kirjaamo@koulu.example"]
    pending = plan_requests([_organisation(ContactStatus.PENDING)], addresses, set())
    assert pending.targets == [] and [o.name for o in pending.underway] == ["Koulu Oy"]
    active = plan_requests([_organisation(ContactStatus.ACTIVE)], addresses, set())
    assert active == ([], [], [], [])
    asked = plan_requests([_organisation(ContactStatus.RETIRED)], addresses, {key})
    assert asked.targets == [] and len(asked.already_asked) == 1
    no_address = plan_requests([_organisation(ContactStatus.UNSUBSCRIBED)], {}, set())
    assert [o.name for o in no_address.without_address] == ["Koulu Oy"]


def test_a_confirmation_link_ends_after_its_lifetime(ctx: Context) -> None:
    now = ctx.now()
    token = make_confirm_token(ctx.settings, "key", now=now)
    assert read_confirm_token(ctx.settings, token, now=now + CONFIRM_LIFETIME / 2) == "key"
    with pytest.raises(InvalidTokenError):
        read_confirm_token(ctx.settings, token, now=now + CONFIRM_LIFETIME + timedelta(seconds=1))
