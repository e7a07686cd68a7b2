"""What a schedule does when it fires (fixed `now`, injected context): the approval gate, the
deadline, reminders, missed runs and the coordinator notices. SQLite and PostgreSQL (`ctx`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mailer.core.models import OutgoingMessage, SendOutcome
from mailer.core.schedule.spec import Deadline, Rule, When
from mailer.pipeline import Context
from mailer.pipeline.editions.check import approve_edition
from mailer.pipeline.schedules.runs import fire_reminder, fire_send, parse_target, record_missed
from mailer.providers.base import Batch
from mailer.store import schedules as store
from mailer.store.tables import deliveries
from tests.editions_data import import_letters
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.test_send_support import add_contacts, people, sendgrid_settings

FIXTURE_LETTER = Path(__file__).resolve().parent / "fixtures" / "letters" / "minimal.yaml"
COORDINATORS = [
    "kaisa.koordinaattori@vip-verkosto.example",
    "stina.samordnare@vip-verkosto.example",
]
MONTH = "2026-09"
# First Tuesday of September 2026 is the 1st: 09:00 Helsinki (summer time) = 06:00 UTC.
PLANNED = datetime(2026, 9, 1, 6, tzinfo=UTC)
RETRY = datetime(2026, 9, 2, 6, tzinfo=UTC)
DEADLINE = datetime(2026, 9, 3, 6, tzinfo=UTC)
REMINDER = datetime(2026, 8, 27, 6, tzinfo=UTC)
RULE = Rule(
    when=When(weekday="tuesday", nth=1),
    timezone="Europe/Helsinki",
    deadline=Deadline(days_after=2),
    reminder_days=5,
).model_dump(mode="json")
JOB = "monthly.send.all"


@dataclass
class FakeProvider:
    """Implements the Provider protocol by keeping what it is given."""

    name: str = "fake"
    messages: list[OutgoingMessage] = field(default_factory=list)
    closed: bool = False

    def send_batch(self, batch: Batch) -> list[SendOutcome]:
        raise AssertionError("a notice never goes through send_batch")

    def send_message(self, message: OutgoingMessage) -> SendOutcome:
        self.messages.append(message)
        return SendOutcome(delivery_id=message.delivery_id, accepted=True)

    def proof_of_delivery(self, edition: str, delivery_ids: Iterable[str]) -> set[str]:
        return set()

    def close(self) -> None:
        self.closed = True


@dataclass
class ClockContext(Context):
    """A context whose clock says `at` (approvals recorded at a chosen time)."""

    at: datetime = PLANNED

    def now(self) -> datetime:
        return self.at


def setup(ctx: Context, tmp_path: Path, *, letter: bool = True) -> Context:
    letters = tmp_path / "letters"
    letters.mkdir(exist_ok=True)
    if letter:
        text = FIXTURE_LETTER.read_text(encoding="utf-8").replace(
            "month: 2026-11", f"month: {MONTH}"
        )
        (letters / f"{MONTH}.yaml").write_text(text, encoding="utf-8")
    settings = ctx.settings.model_copy(
        update={"letters_dir": letters, "coordinator_emails": COORDINATORS}
    )
    own = Context(settings, ctx.engine)
    if letter:
        import_letters(own, letters)
    return own


def approve(ctx: Context, at: datetime) -> None:
    approve_edition(ClockContext(ctx.settings, ctx.engine, at=at), MONTH, "Kaisa Koordinaattori")


def runs(ctx: Context) -> list[dict[str, Any]]:
    with ctx.engine.connect() as conn:
        return [dict(r) for r in reversed(store.list_runs(conn))]


def ledger(ctx: Context) -> list[tuple[str, str, str]]:
    with ctx.engine.connect() as conn:
        stmt = sa.select(deliveries.c.region, deliveries.c.language, deliveries.c.state).where(
            deliveries.c.edition == MONTH
        )
        return [tuple(row) for row in conn.execute(stmt)]


def send(ctx: Context, at: datetime, provider: FakeProvider | None = None, **more: Any) -> str:
    targets = more.pop("targets", ["*-*"])
    return fire_send(JOB, "monthly", RULE, targets, ctx=ctx, now=at, provider=provider, **more)


def test_an_unapproved_edition_is_not_sent_and_a_notice_goes_out_instead(
    ctx: Context, tmp_path: Path
) -> None:
    ctx = setup(ctx, tmp_path)
    add_contacts(ctx.engine, people(12))
    assert send(ctx, PLANNED + timedelta(seconds=3)) == "held"
    assert ledger(ctx) == []
    outbox = ctx.settings.var_dir / "outbox" / MONTH
    assert [p.name for p in outbox.glob("*.eml")] == []  # no letter
    notices = sorted((outbox / "test").glob("*.eml"))
    assert len(notices) == 2  # one per coordinator, through the configured (outbox) provider
    text = "\n".join(p.read_text(encoding="utf-8") for p in notices)
    for address in COORDINATORS:
        assert address in text
    assert "Numeroa ei ole hyväksytty" in text and "Numret är inte godkänt" in text
    [run] = runs(ctx)
    assert (run["kind"], run["scheduled_for"], run["edition"]) == ("send", PLANNED, MONTH)
    assert run["outcome"] == "held" and run["detail"].startswith("not-approved")


@pytest.mark.parametrize(
    ("case", "code", "finnish", "swedish"),
    [
        ("missing", "missing", "sisältö puuttuu tietokannasta", "innehåll saknas i databasen"),
        ("draft", "not-approved", "ei ole hyväksytty", "inte godkänt"),
        ("changed", "changed", "muutettu hyväksynnän jälkeen", "ändrats efter godkännandet"),
    ],
)
def test_the_notice_says_what_is_missing(
    ctx: Context, tmp_path: Path, case: str, code: str, finnish: str, swedish: str
) -> None:
    ctx = setup(ctx, tmp_path, letter=case != "missing")
    if case == "changed":
        approve(ctx, PLANNED - timedelta(days=2))
        path = ctx.settings.letters_dir / f"{MONTH}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("Tervetuloa.", "Hei."), "utf-8")
        import_letters(ctx, path)  # a new revision after the approval
    provider = FakeProvider()
    assert send(ctx, PLANNED, provider) == "held"
    assert [m.to_email for m in provider.messages] == COORDINATORS
    notice = provider.messages[0]
    assert MONTH in notice.subject
    assert finnish in notice.text and swedish in notice.text
    assert "1.9.2026 klo 9.00" in notice.text and "1.9.2026 kl. 9.00" in notice.text
    assert "3.9.2026 klo 9.00" in notice.text  # until when it still goes out on its own
    assert notice.headers["Auto-Submitted"] == "auto-generated"
    assert runs(ctx)[0]["detail"].startswith(code)


def test_an_approved_edition_is_sent_once(ctx: Context, tmp_path: Path) -> None:
    ctx = setup(ctx, tmp_path)
    add_contacts(ctx.engine, people(20))
    approve(ctx, PLANNED - timedelta(days=3))
    provider = FakeProvider()
    assert send(ctx, PLANNED + timedelta(seconds=2), provider) == "sent"
    rows = ledger(ctx)
    assert len(rows) == 20 and {state for _, _, state in rows} == {"accepted"}
    letters = list((ctx.settings.var_dir / "outbox" / MONTH).glob("*.eml"))
    assert len(letters) == 20
    assert provider.messages == []  # no notice when all is well
    # the same fire again (a restart, a second process): nothing happens
    assert send(ctx, PLANNED + timedelta(minutes=5), provider) == "duplicate"
    # the next day's retry sees the edition already sent by this job
    assert send(ctx, RETRY, provider) == "already-sent"
    assert len(list((ctx.settings.var_dir / "outbox" / MONTH).glob("*.eml"))) == 20
    assert [r["outcome"] for r in runs(ctx)] == ["sent", "already-sent"]


def test_targets_limit_the_send_to_their_region_and_language(ctx: Context, tmp_path: Path) -> None:
    ctx = setup(ctx, tmp_path)
    add_contacts(ctx.engine, people(30))
    approve(ctx, PLANNED - timedelta(days=1))
    assert send(ctx, PLANNED, targets=["tyks-sv", "oys-*"]) == "sent"
    assert {(region, language) for region, language, _ in ledger(ctx)} == {
        ("tyks", "sv"),
        ("oys", "fi"),
        ("oys", "sv"),
    }


def test_approved_late_but_before_the_deadline_goes_out_at_the_next_retry(
    ctx: Context, tmp_path: Path
) -> None:
    ctx = setup(ctx, tmp_path)
    add_contacts(ctx.engine, people(10))
    provider = FakeProvider()
    assert send(ctx, PLANNED, provider) == "held"
    assert len(provider.messages) == 2
    approve(ctx, PLANNED + timedelta(hours=5))
    assert send(ctx, RETRY, provider) == "sent"
    assert len(ledger(ctx)) == 10
    assert len(provider.messages) == 2  # no further notice


def test_retries_stay_quiet_and_the_deadline_hands_over_to_the_coordinators(
    ctx: Context, tmp_path: Path
) -> None:
    ctx = setup(ctx, tmp_path)
    provider = FakeProvider()
    assert send(ctx, PLANNED, provider) == "held"
    assert send(ctx, RETRY, provider) == "waiting"
    assert len(provider.messages) == 2
    assert send(ctx, DEADLINE, provider) == "held"
    assert len(provider.messages) == 4
    last = provider.messages[-1].text
    assert "määräaika umpeutui" in last and "Tidsfristen" in last
    assert f"mailer send {MONTH}" in last
    assert ledger(ctx) == []


def test_an_edition_approved_after_the_deadline_waits_for_a_coordinator(
    ctx: Context, tmp_path: Path
) -> None:
    ctx = setup(ctx, tmp_path)
    add_contacts(ctx.engine, people(5))
    approve(ctx, DEADLINE + timedelta(minutes=30))
    provider = FakeProvider()
    # the deadline fire, run late (a scheduler back within its grace time)
    assert send(ctx, DEADLINE + timedelta(hours=1), provider) == "held"
    assert ledger(ctx) == []
    assert "hyväksyttiin vasta määräajan jälkeen" in provider.messages[0].text
    assert runs(ctx)[0]["detail"].startswith("late")


@pytest.mark.parametrize(
    ("approved", "outcome", "notices"), [(False, "reminded", 2), (True, "approved", 0)]
)
def test_a_reminder_goes_out_only_while_the_edition_is_not_approved(
    ctx: Context, tmp_path: Path, approved: bool, outcome: str, notices: int
) -> None:
    ctx = setup(ctx, tmp_path)
    if approved:
        approve(ctx, REMINDER - timedelta(days=1))
    provider = FakeProvider()
    job = "monthly.reminder.all"
    assert (
        fire_reminder(job, "monthly", RULE, ["*-*"], ctx=ctx, now=REMINDER, provider=provider)
        == outcome
    )
    assert len(provider.messages) == notices
    if notices:
        assert (
            "Muistutus" in provider.messages[0].text and "Påminnelse" in provider.messages[0].text
        )
        assert "1.9.2026 klo 9.00" in provider.messages[0].text
    [run] = runs(ctx)
    assert (run["kind"], run["scheduled_for"], run["edition"]) == ("reminder", REMINDER, MONTH)
    again = fire_reminder(job, "monthly", RULE, ["*-*"], ctx=ctx, now=REMINDER, provider=provider)
    assert again == "duplicate" and len(provider.messages) == notices


def test_a_missed_run_is_recorded_once_and_reported(ctx: Context, tmp_path: Path) -> None:
    ctx = setup(ctx, tmp_path)
    provider = FakeProvider()
    args = (JOB, "send", "monthly", RULE, ["*-*"])
    later = PLANNED + timedelta(hours=9)
    assert (
        record_missed(*args, scheduled_for=PLANNED, ctx=ctx, now=later, provider=provider)
        == "missed"
    )
    assert (
        record_missed(*args, scheduled_for=PLANNED, ctx=ctx, now=later, provider=provider)
        == "duplicate"
    )
    assert len(provider.messages) == 2
    assert "jäi väliin" in provider.messages[0].text and "missades" in provider.messages[0].text
    [run] = runs(ctx)
    assert (run["kind"], run["scheduled_for"], run["edition"]) == ("missed", PLANNED, MONTH)


def test_without_coordinators_the_run_is_still_recorded(ctx: Context, tmp_path: Path) -> None:
    ctx = setup(ctx, tmp_path)
    ctx = Context(ctx.settings.model_copy(update={"coordinator_emails": []}), ctx.engine)
    provider = FakeProvider()
    assert send(ctx, PLANNED, provider) == "held"
    assert provider.messages == []
    assert runs(ctx)[0]["outcome"] == "held"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("*-*", (None, None)),
        ("hyks-*", ("hyks", None)),
        ("*-sv", (None, "sv")),
        ("tyks-sv", ("tyks", "sv")),
    ],
)
def test_targets_parse_into_send_filters(
    target: str, expected: tuple[str | None, str | None]
) -> None:
    assert parse_target(target) == expected


def test_when_the_planned_fire_was_missed_the_first_retry_tells_the_coordinators(
    ctx: Context, tmp_path: Path
) -> None:
    ctx = setup(ctx, tmp_path)
    provider = FakeProvider()
    assert send(ctx, RETRY, provider) == "held"
    assert len(provider.messages) == 2
    assert "ei lähetetty" in provider.messages[0].text


def test_a_send_that_fails_is_recorded_and_reported(ctx: Context, tmp_path: Path) -> None:
    ctx = setup(ctx, tmp_path)
    add_contacts(ctx.engine, people(4))
    approve(ctx, PLANNED - timedelta(days=1))
    # misconfigured production: SendGrid chosen, no API key in the environment
    broken = Context(ctx.settings.model_copy(update={"provider": "sendgrid"}), ctx.engine)
    provider = FakeProvider()
    assert send(broken, PLANNED, provider) == "failed"
    assert "MAILER_SENDGRID_API_KEY" in runs(ctx)[0]["detail"]
    assert len(provider.messages) == 2
    assert (
        "epäonnistui" in provider.messages[0].text and "misslyckades" in provider.messages[0].text
    )
    # the next day's retry tries again (the ledger makes that safe), here with the outbox
    assert send(ctx, RETRY, provider) == "sent"
    assert len(ledger(ctx)) == 4


def test_failed_deliveries_are_reported_and_retried_the_next_day(
    ctx: Context, tmp_path: Path, fake_sendgrid: FakeSendGrid
) -> None:
    ctx = setup(ctx, tmp_path)
    add_contacts(ctx.engine, people(10))
    approve(ctx, PLANNED - timedelta(days=1))
    ctx = Context(sendgrid_settings(ctx.settings, fake_sendgrid), ctx.engine)
    fake_sendgrid.inject("400", field="subject", message="The subject is required.")
    provider = FakeProvider()
    assert send(ctx, PLANNED, provider) == "failed"
    states = [state for _, _, state in ledger(ctx)]
    assert "failed" in states and "accepted" in states
    assert len(provider.messages) == 2
    detail = runs(ctx)[0]["detail"]
    assert f"*-*: {states.count('accepted')} accepted, {states.count('failed')} failed" in detail
    assert send(ctx, RETRY, provider) == "sent"
    assert {state for _, _, state in ledger(ctx)} == {"accepted"}
    assert len(provider.messages) == 2
