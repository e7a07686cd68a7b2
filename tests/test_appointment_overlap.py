"""Two appointment-request runs at once (two coordinators pressing the button, or the CLI and the
button), on SQLite and PostgreSQL: the run that queues second skips the organisations the first
queued after it planned, reports them as requested meanwhile, and nobody is asked twice.

The overlap is made deterministic by calling the run's two halves in sequence: `plan_round` for
the slow run, a whole other run, then `run_planned` for the slow run's queueing and sending."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import Message
from pathlib import Path

import pytest

from mailer.core.accounts import AuditAction, UserRole
from mailer.core.models import DeliveryState
from mailer.pipeline.appointments.requests import (
    list_requests,
    plan_round,
    request_appointments,
    run_planned,
)
from mailer.pipeline.audit import audit_page
from mailer.pipeline.contacts import unsubscribe_contact
from mailer.pipeline.roster import import_rosters
from tests.accounts_support import (
    Browser,
    ClockContext,
    cheap_hashing,
    clock_ctx,
    csrf_of,
    make_browser,
    make_user,
)

__all__ = ["cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

ROSTER = (
    "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta;Kirjaamo\n"
    "Aino;Aalto;aino.aalto@espoo.example;Espoon kaupunki;049;kirjaamo@espoo.example\n"
    "Cai;Carlsson;cai.carlsson@kauniainen.example;Kauniaisten kaupunki;235;"
    "registratur@grankulla.example\n"
)
BOTH = ["Espoon kaupunki", "Kauniaisten kaupunki"]


@pytest.fixture
def orphaned(clock_ctx: ClockContext, tmp_path: Path) -> ClockContext:
    """Two organisations whose only contact left, each with a registry address."""
    roster = tmp_path / "rosteri.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    import_rosters(clock_ctx, [roster])
    for address in ("aino.aalto@espoo.example", "cai.carlsson@kauniainen.example"):
        unsubscribe_contact(clock_ctx, address, note="left the post")
    return clock_ctx


def _letters(ctx: ClockContext) -> list[Message]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(ctx.settings.outbox_dir.rglob("*.eml"))
    ]


def _requested(ctx: ClockContext) -> list[tuple[str, str]]:
    rows = audit_page(ctx).rows
    return sorted(
        (e.actor, e.target) for e in rows if e.action is AuditAction.APPOINTMENT_REQUESTED
    )


def test_a_run_that_queues_after_another_skips_what_it_queued_and_says_so(
    orphaned: ClockContext,
) -> None:
    slow = plan_round(orphaned)  # the first coordinator's run has planned both ...
    assert sorted(t.organisation for t in slow.plan.targets) == BOTH
    fast = request_appointments(orphaned, actor="bo@vip.example")  # ... the second run did it all
    assert sorted(r.organisation for r in fast.sent) == BOTH and fast.requested_meanwhile == []

    late = run_planned(orphaned, slow, actor="kaisa@vip.example")  # no IntegrityError
    assert late.to_request == [] and late.sent == []
    assert sorted(late.requested_meanwhile) == BOTH
    assert len(_letters(orphaned)) == 2  # each organisation asked once
    assert {r.requested_by for r in list_requests(orphaned)} == {"bo@vip.example"}
    assert [actor for actor, _ in _requested(orphaned)] == ["bo@vip.example"] * 2


def test_only_the_organisations_the_other_run_took_are_skipped(orphaned: ClockContext) -> None:
    slow = plan_round(orphaned)
    [espoo] = [t for t in slow.plan.targets if t.organisation == "Espoon kaupunki"]
    # the other run planned while a roster still named Kauniainen's contact: it asks Espoo only
    other = slow._replace(plan=slow.plan._replace(targets=[espoo]))
    run_planned(orphaned, other, actor="cli:bo")

    late = run_planned(orphaned, slow, actor="kaisa@vip.example")
    assert late.requested_meanwhile == ["Espoon kaupunki"]
    assert [(r.organisation, r.state) for r in late.sent] == [
        ("Kauniaisten kaupunki", DeliveryState.ACCEPTED)
    ]
    assert [r.organisation for r in late.to_request] == ["Kauniaisten kaupunki"]
    assert sorted(m["To"].addresses[0].addr_spec for m in _letters(orphaned)) == [
        "kirjaamo@espoo.example", "registratur@grankulla.example",
    ]  # fmt: skip
    assert _requested(orphaned) == [
        ("cli:bo", "Espoon kaupunki"), ("kaisa@vip.example", "Kauniaisten kaupunki"),
    ]  # fmt: skip


def test_a_dry_run_planned_before_another_run_queues_nothing(orphaned: ClockContext) -> None:
    slow = plan_round(orphaned)
    request_appointments(orphaned, actor="cli:bo")
    dry = run_planned(orphaned, slow, dry_run=True)
    assert sorted(r.organisation for r in dry.to_request) == BOTH
    assert dry.requested_meanwhile == [] and len(list_requests(orphaned)) == 2


@pytest.mark.usefixtures("cheap_hashing")
def test_the_page_says_how_many_another_run_had_asked_in_the_users_language(
    orphaned: ClockContext, make_browser: Callable[..., Browser]
) -> None:
    make_user(orphaned, "kaisa.koordinaattori@vip.example", UserRole.COORDINATOR)
    browser = make_browser()
    browser.log_in("kaisa.koordinaattori@vip.example")
    page = browser.get("/appointments?sent=0&meanwhile=2")
    assert page.status_code == 200
    assert 'id="requested-meanwhile"' in page.text
    assert "pyytänyt nimeämistä 2 organisaatiolta tällä kierroksella" in page.text
    assert 'id="requested-meanwhile"' not in browser.get("/appointments?sent=1").text


@pytest.mark.usefixtures("cheap_hashing")
def test_pressing_the_button_after_another_run_is_no_error(
    orphaned: ClockContext, make_browser: Callable[..., Browser]
) -> None:
    make_user(orphaned, "kaisa.koordinaattori@vip.example", UserRole.COORDINATOR)
    browser = make_browser()
    browser.log_in("kaisa.koordinaattori@vip.example")
    page = browser.get("/appointments")  # shown before the CLI run
    request_appointments(orphaned, actor="cli:bo")
    sent = browser.post("/appointments/request", {"csrf_token": csrf_of(page.text)})
    assert sent.status_code == 303 and sent.headers["location"] == "/appointments?sent=0"
    assert len(_letters(orphaned)) == 2
