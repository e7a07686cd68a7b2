"""Sending an edition through the ledger: planning, skipping, faults, the ambiguity rule.

Runs on SQLite and PostgreSQL (`ctx`), against the outbox and the fake SendGrid."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from mailer.core.errors import ProviderAuthError
from mailer.core.models import ContactStatus, Language, Region, SendOutcome
from mailer.core.tokens import read_unsubscribe_token
from mailer.pipeline import Context
from mailer.pipeline.events import ingest_events
from mailer.pipeline.send.deliver import SendReport, deliver
from mailer.providers.base import Batch
from mailer.providers.outbox import OutboxProvider
from mailer.providers.sendgrid.send import RetryPolicy, SendGridProvider
from mailer.store import ledger, tables
from mailer.store.contacts import change_status
from mailer.store.tables import contacts, events
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.test_send_support import (
    MONTH,
    NOW,
    VARIANTS,
    add_contacts,
    compiled_edition,
    people,
    person,
    sendgrid_settings,
)

SECRET = "test-secret-key-for-signing-tokens"


def ledger_rows(ctx: Context) -> list[Any]:
    with ctx.engine.connect() as conn:
        return list(conn.execute(sa.select(tables.deliveries).order_by(tables.deliveries.c.id)))


def sendgrid(ctx: Context, fake: FakeSendGrid, sleeps: list[float] | None = None, **more: Any):
    settings = sendgrid_settings(ctx.settings, fake, **more)
    sleep_log = sleeps if sleeps is not None else []
    retry = RetryPolicy(attempts=6, sleep=sleep_log.append, clock=fake.clock)
    return Context(settings, ctx.engine), SendGridProvider(settings, retry=retry)


def accepted_delivery_ids(fake: FakeSendGrid) -> Counter[str]:
    return Counter(p.custom_args["delivery_id"] for p in fake.accepted_personalizations())


def test_outbox_send_mails_active_contacts_once_and_counts_the_skipped(ctx: Context) -> None:
    add_contacts(ctx.engine, [*people(23), person(100, status="stale")])
    add_contacts(ctx.engine, [person(101, status="stale"), person(102, status="unsubscribed")])
    provider = OutboxProvider(ctx.settings)
    report = deliver(ctx, MONTH, compiled_edition(), provider)
    assert (report.planned, report.accepted, report.failed, report.ambiguous) == (23, 23, 0, 0)
    assert report.skipped == {"stale": 2, "unsubscribed": 1}
    files = sorted((ctx.settings.outbox_dir / MONTH).glob("*.eml"))
    assert len(files) == 23
    assert {r.state for r in ledger_rows(ctx)} == {"accepted"}
    again = deliver(ctx, MONTH, compiled_edition(), provider)
    assert (again.newly_planned, again.accepted, again.already_accepted) == (0, 0, 23)
    assert len(list((ctx.settings.outbox_dir / MONTH).glob("*.eml"))) == 23


def test_region_and_language_filters_send_only_that_scope(ctx: Context) -> None:
    add_contacts(ctx.engine, people(40))
    report = deliver(
        ctx,
        MONTH,
        compiled_edition(),
        OutboxProvider(ctx.settings),
        region=Region.KYS,
        language=Language.SV,
    )
    rows = ledger_rows(ctx)
    assert report.accepted == 4 == len(rows)
    assert {(r.region, r.language) for r in rows} == {("kys", "sv")}


def test_dry_run_plans_nothing_and_sends_nothing(ctx: Context) -> None:
    add_contacts(ctx.engine, [*people(12), person(50, status="unsubscribed")])
    report = deliver(ctx, MONTH, compiled_edition(), OutboxProvider(ctx.settings), dry_run=True)
    assert (report.planned, report.accepted, report.skipped) == (12, 0, {"unsubscribed": 1})
    assert ledger_rows(ctx) == []
    assert not (ctx.settings.outbox_dir / MONTH).exists()


def test_contact_unsubscribed_after_planning_never_reaches_the_provider(
    ctx: Context, fake_sendgrid: FakeSendGrid
) -> None:
    ids = add_contacts(ctx.engine, people(10))
    deliver(ctx, MONTH, compiled_edition(), None)  # plan only
    with ctx.engine.begin() as conn:
        change_status(conn, ids[3], ContactStatus.UNSUBSCRIBED, at=NOW, kind="unsubscribe")
    sg_ctx, provider = sendgrid(ctx, fake_sendgrid)
    report = deliver(sg_ctx, MONTH, compiled_edition(), provider)
    assert report.accepted == 9
    assert report.skipped == {"unsubscribed": 1}
    assert fake_sendgrid.sent_to(person(3)["email"]) == 0
    assert len(ledger_rows(ctx)) == 9  # its queued row was withdrawn


def test_the_json_sent_to_sendgrid_carries_ids_substitutions_headers_once(
    ctx: Context, fake_sendgrid: FakeSendGrid
) -> None:
    add_contacts(ctx.engine, [*people(30), person(60, status="stale")])
    sg_ctx, provider = sendgrid(ctx, fake_sendgrid, batch_size=2)
    compiled = compiled_edition()
    report = deliver(sg_ctx, MONTH, compiled, provider)
    assert report.accepted == 30
    rows = {r.delivery_id: r for r in ledger_rows(ctx)}
    with ctx.engine.connect() as conn:
        token_keys = dict(conn.execute(sa.select(contacts.c.id, contacts.c.token_key)).all())
    requests = fake_sendgrid.requests
    assert len(requests) == 20  # 10 variants x 3 contacts, at most 2 per request
    for request in requests:
        body = request.body
        assert body is not None
        key = body["categories"][1].removeprefix("vipu-")
        variant = next(v for v in compiled if v.key == key)
        assert body["categories"] == [f"vipu-{MONTH}", f"vipu-{key}"]
        assert body["content"] == [
            {"type": "text/plain", "value": compiled[variant].text},
            {"type": "text/html", "value": compiled[variant].html},
        ]
        assert 1 <= len(body["personalizations"]) <= 2
        for pers in body["personalizations"]:
            row = rows[pers["custom_args"]["delivery_id"]]
            assert pers["custom_args"] == {
                "delivery_id": row.delivery_id,
                "edition": MONTH,
                "region": variant.region.value,
                "language": variant.language.value,
            }
            assert pers["to"][0]["email"] == row.email
            assert row.message_id == request.message_id
            url = pers["substitutions"]["%%t:unsubscribe_url%%"]
            token = url.rsplit("/u/", 1)[1]
            assert read_unsubscribe_token(SECRET, token) == token_keys[row.contact_id]
            assert url.startswith("https://vipu.example/u/")
            assert pers["headers"] == {
                "List-Unsubscribe": (
                    f"<{url}>, <mailto:unsubscribe@vip-verkosto.example?subject="
                    f"unsubscribe-{token}>"
                ),
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
            assert all(isinstance(v, str) for v in pers["substitutions"].values())
    assert fake_sendgrid.sent_to(person(60)["email"]) == 0
    assert sorted(accepted_delivery_ids(fake_sendgrid).values()) == [1] * 30


def test_substitutions_escape_html_but_not_text(ctx: Context, fake_sendgrid: FakeSendGrid) -> None:
    add_contacts(ctx.engine, [person(0)])  # last name "Ek & Åberg"
    sg_ctx, provider = sendgrid(ctx, fake_sendgrid)
    deliver(sg_ctx, MONTH, compiled_edition(), provider)
    (sent,) = fake_sendgrid.accepted_personalizations()
    subs = sent.personalization["substitutions"]
    assert subs["%%h:last_name%%"] == "Ek &amp; Åberg"
    assert subs["%%t:last_name%%"] == "Ek & Åberg"
    assert subs["%%t:role%%"] == "opiskeluhuolto"  # person 0 has role welfare, variant hyks-fi


def test_exactly_once_under_injected_faults(ctx: Context) -> None:
    clock = [1_800_000_000.0]
    fake = FakeSendGrid(clock=lambda: clock[0]).start()
    try:
        add_contacts(ctx.engine, people(60))
        sleeps: list[float] = []
        sg_ctx, provider = sendgrid(ctx, fake, sleeps, batch_size=3)
        fake.inject("429", reset_in=30)
        fake.inject("500")
        fake.inject("503", count=2)
        fake.inject("accept_then_drop")
        fake.inject("drop")
        first = deliver(sg_ctx, MONTH, compiled_edition(), provider)
        # 429 honoured: waited exactly until X-RateLimit-Reset (+50 ms), then the retry passed
        assert pytest.approx(30.05) in sleeps
        assert first.ambiguous == 6 and first.failed == 0
        assert first.accepted == 54
        # SendGrid tells us what it accepted; the events prove the accept_then_drop batch
        ingest_events(sg_ctx, fake.events_for_accepted("processed"))
        second = deliver(sg_ctx, MONTH, compiled_edition(), provider)
        assert (second.resolved_by_evidence, second.ambiguous, second.accepted) == (3, 3, 3)
        assert len(fake.requests) == 19  # 20 batches, one dropped unseen; nothing re-sent
        third = deliver(sg_ctx, MONTH, compiled_edition(), provider, resend_ambiguous=True)
        assert (third.resent_ambiguous, third.accepted, third.ambiguous) == (3, 3, 0)
        assert len(fake.requests) == 20
    finally:
        fake.stop()
    rows = ledger_rows(ctx)
    assert {r.state for r in rows} == {"accepted"}
    sent = accepted_delivery_ids(fake)
    assert set(sent) == {r.delivery_id for r in rows}
    assert set(sent.values()) == {1}


def test_a_400_naming_a_recipient_fails_only_that_recipient_and_the_rest_goes_out(
    ctx: Context, fake_sendgrid: FakeSendGrid
) -> None:
    # two bad addresses in the same variant: the fake names one per answer, so two rounds
    bad = [person(200, email="not-an-address"), person(210, email="also-not-an-address")]
    add_contacts(ctx.engine, [*people(20), *bad])
    sg_ctx, provider = sendgrid(ctx, fake_sendgrid)
    report = deliver(sg_ctx, MONTH, compiled_edition(), provider)
    assert (report.accepted, report.failed, report.queued, report.ambiguous) == (20, 2, 0, 0)
    assert len(report.errors) == 2
    for address in ("not-an-address", "also-not-an-address"):
        assert any(
            re.search(rf"personalizations\.\d+\.to\.0\.email: .*{address}", e)
            for e in report.errors
        )
    rows = ledger_rows(ctx)
    failed = [r for r in rows if r.state == "failed"]
    assert sorted(r.email for r in failed) == ["also-not-an-address", "not-an-address"]
    assert all(re.search(r"to\.0\.email", r.last_error or "") for r in failed)
    # the refused requests sent nothing; everyone else got exactly one letter
    sent = accepted_delivery_ids(fake_sendgrid)
    assert set(sent) == {r.delivery_id for r in rows if r.state == "accepted"}
    assert set(sent.values()) == {1}
    # a re-run tries the two again (they fail again) and sends nobody twice
    again = deliver(sg_ctx, MONTH, compiled_edition(), provider)
    assert (again.accepted, again.failed, again.already_accepted) == (0, 2, 20)
    assert set(accepted_delivery_ids(fake_sendgrid).values()) == {1}


def test_a_400_about_the_shared_content_fails_the_whole_batch(
    ctx: Context, fake_sendgrid: FakeSendGrid
) -> None:
    add_contacts(ctx.engine, people(20))
    sg_ctx, provider = sendgrid(ctx, fake_sendgrid)
    broken = compiled_edition()
    first = VARIANTS[0]
    broken[first] = broken[first].model_copy(update={"text": ""})  # SendGrid: content.0.value
    report = deliver(sg_ctx, MONTH, broken, provider)
    key = (first.region.value, first.language.value)
    in_first = sum(1 for r in ledger_rows(ctx) if (r.region, r.language) == key)
    assert in_first > 0
    assert (report.failed, report.accepted) == (in_first, 20 - in_first)
    (error,) = report.errors
    assert "content" in error and "personalizations" not in error
    assert accepted_delivery_ids(fake_sendgrid).total() == 20 - in_first


def test_a_401_stops_the_send_and_leaves_everything_queued(
    ctx: Context, fake_sendgrid: FakeSendGrid
) -> None:
    add_contacts(ctx.engine, people(5))
    sg_ctx, provider = sendgrid(ctx, fake_sendgrid)
    provider.client.client.request_headers["Authorization"] = "Bearer SG.wrong"
    with pytest.raises(ProviderAuthError, match="MAILER_SENDGRID_API_KEY"):
        deliver(sg_ctx, MONTH, compiled_edition(), provider)
    assert fake_sendgrid.requests == []
    assert {r.state for r in ledger_rows(ctx)} == {"queued"}


class _Crashing:
    """A provider whose process 'dies' inside the provider call (after the batch is sending)."""

    name = "outbox"

    def __init__(self, inner: OutboxProvider, crash_at: int, write: bool) -> None:
        self.inner, self.crash_at, self.write, self.calls = inner, crash_at, write, 0

    def send_batch(self, batch: Batch) -> list[SendOutcome]:
        self.calls += 1
        if self.calls == self.crash_at:
            if self.write:
                self.inner.send_batch(batch)  # the letters are out, the ledger never hears
            raise KeyboardInterrupt
        return self.inner.send_batch(batch)

    def proof_of_delivery(self, edition: str, ids: Any) -> set[str]:
        return self.inner.proof_of_delivery(edition, ids)

    def send_message(self, message: Any) -> SendOutcome:
        raise NotImplementedError

    def close(self) -> None:
        pass


@pytest.mark.parametrize(("written", "resolved", "ambiguous"), [(True, 2, 0), (False, 0, 2)])
def test_outbox_files_prove_an_interrupted_batch(
    ctx: Context, written: bool, resolved: int, ambiguous: int
) -> None:
    add_contacts(ctx.engine, people(40))
    settings = ctx.settings.model_copy(update={"batch_size": 2})
    bctx = Context(settings, ctx.engine)
    crashing = _Crashing(OutboxProvider(settings), crash_at=3, write=written)
    with pytest.raises(KeyboardInterrupt):
        deliver(bctx, MONTH, compiled_edition(), crashing, worker_id="a")
    # the interrupted run's batch stays `sending`; the next run resolves it by the files
    report = deliver(bctx, MONTH, compiled_edition(), OutboxProvider(settings))
    assert (report.resolved_by_evidence, report.ambiguous) == (resolved, ambiguous)
    states = Counter(r.state for r in ledger_rows(ctx))
    assert states == ({"accepted": 40} if written else {"accepted": 38, "sending": 2})


def test_events_in_the_events_table_prove_a_sendgrid_batch(
    ctx: Context, fake_sendgrid: FakeSendGrid
) -> None:
    add_contacts(ctx.engine, people(10))
    sg_ctx, provider = sendgrid(ctx, fake_sendgrid)
    deliver(sg_ctx, MONTH, compiled_edition(), None)
    with ctx.engine.begin() as conn:
        ledger.claim_batch(
            conn,
            batch_id="b-crashed",
            edition=MONTH,
            region="hyks",
            language="fi",
            limit=10,
            worker="gone-host:1:x",
            now=NOW,
        )
        row = conn.execute(
            sa.select(tables.deliveries.c.id).where(tables.deliveries.c.batch_id == "b-crashed")
        ).scalar_one()
        conn.execute(
            sa.insert(events).values(
                sg_event_id="ev-1",
                event_type="delivered",
                raw_type="delivered",
                occurred_at=NOW,
                received_at=NOW,
                source="webhook",
                sg_message_id="AbCdEfGhIjKlMnOpQrStUv.filterdrecv-1",
                delivery_pk=row,
                linked_by="delivery_id",  # it carried our delivery id
                raw={},
            )
        )
    report = deliver(sg_ctx, MONTH, compiled_edition(), provider)
    assert (report.resolved_by_evidence, report.ambiguous, report.accepted) == (1, 0, 10)
    assert len(fake_sendgrid.accepted_personalizations()) == 9
    (proven,) = [r for r in ledger_rows(ctx) if r.batch_id == "b-crashed"]
    assert (proven.state, proven.message_id) == ("accepted", "AbCdEfGhIjKlMnOpQrStUv")


def _report_fields(report: SendReport) -> set[str]:
    return set(report.model_dump())


def test_report_names_every_contract_field() -> None:
    assert {"edition", "planned", "accepted", "failed", "skipped", "ambiguous", "dry_run"} <= (
        _report_fields(SendReport(edition=MONTH, provider="outbox"))
    )


def test_planned_rows_carry_time_ordered_uuid7_ids_and_an_aware_queued_at(ctx: Context) -> None:
    import uuid

    add_contacts(ctx.engine, people(30))
    before = ctx.now()
    deliver(ctx, MONTH, compiled_edition(), None)  # plan only
    rows = ledger_rows(ctx)
    assert len({r.delivery_id for r in rows}) == 30
    for row in rows:
        parsed = uuid.UUID(row.delivery_id)
        assert (parsed.version, parsed.variant, str(parsed)) == (
            7,
            uuid.RFC_4122,
            row.delivery_id,
        )
        # RFC 9562 5.7: the first 48 bits are the Unix time in milliseconds
        stamp_ms = parsed.int >> 80
        assert before.timestamp() * 1000 - 1 <= stamp_ms <= ctx.now().timestamp() * 1000
        assert row.state == "queued" and row.attempts == 0
        assert before <= row.queued_at <= ctx.now()
        assert row.queued_at.utcoffset() is not None


def test_the_rosters_job_title_reaches_the_letter_of_a_contact_with_the_role_other(
    ctx: Context, fake_sendgrid: FakeSendGrid
) -> None:
    titled = person(0, role="other", title="erityisopettaja & laaja-alainen")
    plain = person(1, email="vipu1@other.example", role="other", title=None)
    add_contacts(ctx.engine, [titled, plain])
    deliver(ctx, MONTH, compiled_edition(), OutboxProvider(ctx.settings))
    letters = {
        p.read_text("utf-8").split("\nTo: ", 1)[1].split("\n", 1)[0]: p.read_text("utf-8")
        for p in (ctx.settings.outbox_dir / MONTH).glob("*.eml")
    }
    assert len(letters) == 2
    mail_of = {
        email: next(text for to, text in letters.items() if email in to)
        for email in (titled["email"], plain["email"])
    }
    assert "erityisopettaja &amp; laaja-alainen" in mail_of[titled["email"]]
    assert "erityisopettaja" not in mail_of[plain["email"]]
    # the SendGrid path builds its substitutions separately: the same title there
    with ctx.engine.begin() as conn:
        conn.execute(sa.delete(tables.deliveries))
    sg_ctx, provider = sendgrid(ctx, fake_sendgrid)
    deliver(sg_ctx, MONTH, compiled_edition(), provider)
    roles = {
        p.emails[0]: p.personalization["substitutions"]["%%t:role%%"]
        for p in fake_sendgrid.accepted_personalizations()
    }
    assert roles[titled["email"]] == "erityisopettaja & laaja-alainen"
    assert roles[plain["email"]] == "other"  # the hand-built test labels know no "other"
