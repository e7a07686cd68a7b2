"""Pending and retired contacts (issue 15): never mailed, never an organisation's active contact,
nobody's bounce problem, and a roster that still names a retired person does not bring them back.
Storage tests run on SQLite and PostgreSQL (`ctx`)."""

from __future__ import annotations

from pathlib import Path

from mailer.core.delivery.plan import Candidate, plan_deliveries
from mailer.core.models import ContactStatus, DeliveryState
from mailer.core.register.organisations import group_organisations
from mailer.pipeline import Context
from mailer.pipeline.organisations import list_organisations
from mailer.pipeline.reports import bounce_report
from mailer.pipeline.roster import import_rosters
from mailer.pipeline.send.deliver import deliver
from mailer.providers.outbox import OutboxProvider
from mailer.store import contacts as store
from tests.reports_data import add_contact
from tests.test_organisations import _row
from tests.test_send_support import MONTH, add_contacts, compiled_edition, person

HEADER = "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta;Kieli;Rooli"


def test_planning_skips_pending_and_retired_contacts_by_name_and_withdraws_their_queued_rows() -> (
    None
):
    plan = plan_deliveries(
        [
            Candidate(1, "hyks", "fi", ContactStatus.ACTIVE),
            Candidate(2, "hyks", "fi", ContactStatus.PENDING),
            Candidate(3, "hyks", "fi", ContactStatus.RETIRED),
        ],
        {3: DeliveryState.QUEUED},
    )
    assert [ids for ids in plan.new.values()] == [[1]]
    assert dict(plan.skipped) == {"pending": 1, "retired": 1}
    assert plan.withdraw == [3]


def test_a_send_mails_neither_pending_nor_retired_contacts(ctx: Context) -> None:
    add_contacts(
        ctx.engine,
        [person(1), person(2, status="pending"), person(3, status="retired")],
    )
    report = deliver(ctx, MONTH, compiled_edition(), OutboxProvider(ctx.settings))
    assert (report.planned, report.accepted) == (1, 1)
    assert report.skipped == {"pending": 1, "retired": 1}


def test_an_organisation_with_only_pending_or_retired_contacts_has_no_active_contact() -> None:
    orgs = group_organisations(
        [
            _row(1, "A", status=ContactStatus.PENDING),
            _row(2, "A", status=ContactStatus.RETIRED),
        ]
    )
    assert [o.has_active_contact for o in orgs] == [False]


def test_the_bounce_report_lists_no_pending_or_retired_contact_but_their_organisation(
    ctx: Context,
) -> None:
    with ctx.engine.begin() as conn:
        add_contact(conn, "left@espoo.example", status="retired", soft_streak=5)
        add_contact(conn, "new@espoo.example", status="pending")
    report = bounce_report(ctx)
    [hyks] = [r for r in report.regions if r.region.value == "hyks"]
    assert hyks.stale == [] and hyks.suspect == []
    assert len(hyks.without_active_contact) == 1
    [org] = [o for o in list_organisations(ctx) if o.name == "Espoon kaupunki"]
    assert not org.has_active_contact


def test_a_roster_naming_a_retired_contact_updates_details_but_keeps_them_retired(
    ctx: Context, tmp_path: Path
) -> None:
    with ctx.engine.begin() as conn:
        add_contact(conn, "aino@espoo.example", status="retired", first_name="Aino")
        add_contact(conn, "bea@espoo.example", status="pending", first_name="Bea")
    path = tmp_path / "espoo.csv"
    lines = (
        HEADER,
        "Aino;Mäkelä-Uusi;aino@espoo.example;Espoon kaupunki;Espoo;suomi;",
        "Bea;Berg;bea@espoo.example;Espoon kaupunki;Espoo;suomi;",
    )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    report = import_rosters(ctx, [path])
    with ctx.engine.connect() as conn:
        aino = store.find_contact(conn, "aino@espoo.example")
        bea = store.find_contact(conn, "bea@espoo.example")
    assert aino is not None and bea is not None
    assert aino["last_name"] == "Mäkelä-Uusi"
    assert (aino["status"], bea["status"]) == ("retired", "pending")
    held = [w for w in report.warnings if "@" in w.reason]
    reasons = sorted(w.reason for w in held)
    assert reasons[0].startswith("aino@espoo.example has left the role (retired)")
    assert reasons[1].startswith("bea@espoo.example waits for a coordinator's approval")
    assert {(w.file, w.line) for w in held} == {("espoo.csv", 2), ("espoo.csv", 3)}
