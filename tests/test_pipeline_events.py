"""ingest_events on a real database (SQLite and PostgreSQL): stored once, linked, policy applied."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mailer.config import Settings
from mailer.core.bounces.policy import Verdict, evaluate
from mailer.core.errors import WebhookError
from mailer.core.models import ContactStatus
from mailer.pipeline.events import POLICY_KIND, ingest_events, thresholds_from
from mailer.providers.sendgrid.events import parse_events
from mailer.store.contacts import change_status
from mailer.store.tables import contact_history, contacts, events
from tests.fakes.webhook_client import (
    NOW,
    ClockedContext,
    seed_batch,
    seed_contact,
    seed_delivery,
    sg_event,
)

ANNA = "anna.virtanen@espoo.example"
BO = "bo.nyman@raasepori.example"


@pytest.fixture
def cctx(settings: Settings, engine: Engine) -> ClockedContext:
    return ClockedContext(settings, engine, clock=NOW)


def _contact(engine: Engine, cid: int) -> tuple[str, int, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                contacts.c.status, contacts.c.soft_streak, contacts.c.last_delivered_at
            ).where(contacts.c.id == cid)
        ).one()
    return row.status, row.soft_streak, row.last_delivered_at


def _count(engine: Engine, table: sa.Table, *where: Any) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
        )


def _stored(engine: Engine, event_id: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.select(events).where(events.c.sg_event_id == event_id)).one()


def _anna_with_editions(engine: Engine, *editions: str) -> tuple[int, dict[str, str]]:
    with engine.begin() as conn:
        cid = seed_contact(conn, ANNA)
        ids = {e: seed_delivery(conn, cid, e)[1] for e in editions}
    return cid, ids


def test_an_event_links_to_the_ledger_by_our_delivery_id(
    cctx: ClockedContext, engine: Engine
) -> None:
    cid, ids = _anna_with_editions(engine, "2026-05", "2026-06")
    report = ingest_events(
        cctx, [sg_event("delivered", ANNA, delivery_id=ids["2026-05"], event_id="d1")]
    )
    row = _stored(engine, "d1")
    assert (row.contact_id, row.edition, row.event_type) == (cid, "2026-05", "delivered")
    assert row.delivery_pk is not None
    assert (report.stored, report.unlinked) == (1, 0)


def test_an_event_links_by_the_message_id_prefix_of_the_delivery(
    cctx: ClockedContext, engine: Engine
) -> None:
    with engine.begin() as conn:
        cid = seed_contact(conn, ANNA)
        pk, _ = seed_delivery(conn, cid, "2026-06", message_id="Xk2yUfQ7TmWcRt5aBq9LzA")
    ingest_events(
        cctx,
        [
            sg_event(
                "open",
                ANNA,
                sg_message_id="Xk2yUfQ7TmWcRt5aBq9LzA.filterdrecv-5b6f-1-0",
                event_id="o1",
            )
        ],
    )
    assert (_stored(engine, "o1").delivery_pk, _stored(engine, "o1").contact_id) == (pk, cid)


def test_an_event_links_by_the_batch_message_id_and_the_address(
    cctx: ClockedContext, engine: Engine
) -> None:
    with engine.begin() as conn:
        batch = seed_batch(conn, "2026-06", "Bz0hQy3vR1eKs8nWp4TgYw")
        anna, bo = seed_contact(conn, ANNA), seed_contact(conn, BO)
        seed_delivery(conn, anna, "2026-06", batch_id=batch)
        bo_pk, _ = seed_delivery(conn, bo, "2026-06", batch_id=batch)
    ingest_events(
        cctx,
        [
            sg_event(
                "delivered",
                BO.upper(),
                sg_message_id="Bz0hQy3vR1eKs8nWp4TgYw.recv-2-0",
                event_id="b1",
            )
        ],
    )
    row = _stored(engine, "b1")
    assert (row.delivery_pk, row.contact_id, row.edition) == (bo_pk, bo, "2026-06")


def test_an_event_links_by_address_to_the_edition_or_the_latest_delivery(
    cctx: ClockedContext, engine: Engine
) -> None:
    cid, _ = _anna_with_editions(engine, "2026-05", "2026-06")
    ingest_events(
        cctx,
        [
            sg_event("open", ANNA, event_id="latest"),
            sg_event("open", ANNA, edition="2026-05", event_id="may"),
        ],
    )
    assert (_stored(engine, "latest").contact_id, _stored(engine, "latest").edition) == (
        cid,
        "2026-06",
    )
    assert _stored(engine, "may").edition == "2026-05"
    assert _stored(engine, "may").delivery_pk != _stored(engine, "latest").delivery_pk


def test_an_event_for_nobody_we_know_is_stored_unlinked(
    cctx: ClockedContext, engine: Engine
) -> None:
    report = ingest_events(
        cctx, [sg_event("bounce", "nobody@nowhere.example", type="bounce", event_id="n1")]
    )
    assert (report.stored, report.unlinked) == (1, 1)
    assert _stored(engine, "n1").contact_id is None


def test_duplicates_in_a_post_and_a_replayed_post_store_nothing_twice(
    cctx: ClockedContext, engine: Engine
) -> None:
    cid, ids = _anna_with_editions(engine, "2026-06")
    bounce = sg_event(
        "bounce", ANNA, delivery_id=ids["2026-06"], type="bounce", status="5.1.1", event_id="h1"
    )
    payload = [sg_event("processed", ANNA, event_id="p1"), bounce, dict(bounce)]
    first = ingest_events(cctx, payload)
    assert (first.received, first.stored, first.duplicates, first.status_changes) == (3, 2, 1, 1)
    history = _count(engine, contact_history, contact_history.c.contact_id == cid)
    again = ingest_events(cctx, payload)
    assert (again.stored, again.duplicates, again.status_changes) == (0, 3, 0)
    assert _count(engine, events) == 2
    assert _count(engine, contact_history, contact_history.c.contact_id == cid) == history


def test_a_hard_bounce_makes_the_contact_stale_with_history(
    cctx: ClockedContext, engine: Engine
) -> None:
    cid, ids = _anna_with_editions(engine, "2026-06")
    report = ingest_events(
        cctx,
        [
            sg_event(
                "bounce",
                ANNA,
                delivery_id=ids["2026-06"],
                type="bounce",
                status="5.1.1",
                reason="550 5.1.1 unknown user",
                event_id="h1",
            )
        ],
    )
    assert _contact(engine, cid)[0] == "stale"
    assert [(c.contact_id, c.old_status, c.new_status) for c in report.changes] == [
        (cid, "active", "stale")
    ]
    with engine.connect() as conn:
        kind, source, note = conn.execute(
            sa.select(
                contact_history.c.kind, contact_history.c.source, contact_history.c.note
            ).where(contact_history.c.contact_id == cid)
        ).one()
    assert (kind, source) == (POLICY_KIND, "sendgrid:bounce")
    assert "5.1.1" in note
    assert _stored(engine, "h1").counted is True


def test_a_technical_bounce_is_recorded_but_not_counted(
    cctx: ClockedContext, engine: Engine
) -> None:
    cid, ids = _anna_with_editions(engine, "2026-06")
    ingest_events(
        cctx,
        [
            sg_event(
                "bounce",
                ANNA,
                delivery_id=ids["2026-06"],
                type="bounce",
                bounce_classification="Technical",
                event_id="t1",
            )
        ],
    )
    assert _contact(engine, cid)[0] == "active"
    assert _stored(engine, "t1").counted is False


def test_soft_failures_in_three_editions_make_stale_and_a_delivery_resets(
    cctx: ClockedContext, engine: Engine
) -> None:
    cid, ids = _anna_with_editions(engine, "2026-03", "2026-04", "2026-05", "2026-06")

    def block(edition: str, days: int) -> dict[str, Any]:
        return sg_event(
            "bounce",
            ANNA,
            delivery_id=ids[edition],
            type="blocked",
            status="4.7.1",
            at=NOW - timedelta(days=days),
        )

    ingest_events(cctx, [block("2026-03", 90), block("2026-03", 89)])
    assert _contact(engine, cid)[:2] == ("active", 1)
    ingest_events(
        cctx, [sg_event("delivered", ANNA, delivery_id=ids["2026-04"], at=NOW - timedelta(days=60))]
    )
    assert _contact(engine, cid) == ("active", 0, NOW - timedelta(days=60))
    ingest_events(cctx, [block("2026-05", 30)])
    ingest_events(cctx, [block("2026-06", 1)])
    assert _contact(engine, cid)[:2] == ("active", 2)
    # a third edition: only now stale (and the earlier delivery still counts as the last good one)
    with engine.begin() as conn:
        seed_delivery(conn, cid, "2026-07")
    ingest_events(
        cctx.__class__(cctx.settings, engine, clock=NOW + timedelta(days=30)),
        [sg_event("bounce", ANNA, edition="2026-07", type="blocked", at=NOW + timedelta(days=29))],
    )
    assert _contact(engine, cid) == ("stale", 3, NOW - timedelta(days=60))


def test_events_out_of_order_give_the_same_standing(cctx: ClockedContext, engine: Engine) -> None:
    with engine.begin() as conn:
        anna, bo = seed_contact(conn, ANNA), seed_contact(conn, BO)

    def history(email: str) -> list[dict[str, Any]]:
        return [
            sg_event(
                "bounce",
                email,
                edition="2026-04",
                type="blocked",
                at=NOW - timedelta(days=60),
                event_id=f"{email}1",
            ),
            sg_event(
                "bounce",
                email,
                edition="2026-05",
                type="blocked",
                at=NOW - timedelta(days=30),
                event_id=f"{email}2",
            ),
            sg_event(
                "bounce",
                email,
                edition="2026-06",
                type="blocked",
                at=NOW - timedelta(days=2),
                event_id=f"{email}3",
            ),
            sg_event(
                "delivered",
                email,
                edition="2026-06",
                at=NOW - timedelta(days=1),
                event_id=f"{email}4",
            ),
            sg_event(
                "group_unsubscribe",
                email,
                asm_group_id=5,
                at=NOW - timedelta(hours=5),
                event_id=f"{email}5",
            ),
            sg_event(
                "group_resubscribe",
                email,
                asm_group_id=5,
                at=NOW - timedelta(hours=4),
                event_id=f"{email}6",
            ),
        ]

    for event in history(ANNA):  # in time order, one POST each
        ingest_events(cctx, [event])
    for event in reversed(history(BO)):
        ingest_events(cctx, [event])
    assert _contact(engine, anna) == _contact(engine, bo) == ("active", 0, NOW - timedelta(days=1))


def test_a_spam_report_unsubscribes_and_a_later_bounce_keeps_it_apart(
    cctx: ClockedContext, engine: Engine
) -> None:
    cid, _ = _anna_with_editions(engine, "2026-06")
    ingest_events(cctx, [sg_event("spamreport", ANNA, event_id="s1")])
    assert _contact(engine, cid)[0] == "unsubscribed"
    ingest_events(
        cctx,
        [
            sg_event(
                "bounce",
                ANNA,
                type="bounce",
                status="5.1.1",
                event_id="h1",
                at=NOW + timedelta(hours=1),
            )
        ],
    )
    assert _contact(engine, cid)[0] == "unsubscribed"


def test_group_resubscribe_reverses_a_group_unsubscribe(
    cctx: ClockedContext, engine: Engine
) -> None:
    cid, _ = _anna_with_editions(engine, "2026-06")
    ingest_events(
        cctx, [sg_event("group_unsubscribe", ANNA, asm_group_id=5, at=NOW - timedelta(hours=2))]
    )
    assert _contact(engine, cid)[0] == "unsubscribed"
    report = ingest_events(
        cctx, [sg_event("group_resubscribe", ANNA, asm_group_id=5, at=NOW - timedelta(hours=1))]
    )
    assert _contact(engine, cid)[0] == "active"
    assert report.changes[0].new_status == "active"


def test_group_resubscribe_never_undoes_an_unsubscribe_made_elsewhere(
    cctx: ClockedContext, engine: Engine
) -> None:
    cid, _ = _anna_with_editions(engine, "2026-06")
    with engine.begin() as conn:  # the unsubscribe link in the letter
        change_status(
            conn,
            cid,
            ContactStatus.UNSUBSCRIBED,
            at=NOW - timedelta(days=1),
            kind="unsubscribe",
            source="link",
        )
    ingest_events(cctx, [sg_event("group_resubscribe", ANNA, asm_group_id=5)])
    assert _contact(engine, cid)[0] == "unsubscribed"


def test_after_an_admin_reactivation_old_evidence_no_longer_counts(
    cctx: ClockedContext, engine: Engine
) -> None:
    cid, _ = _anna_with_editions(engine, "2026-06")
    ingest_events(
        cctx, [sg_event("bounce", ANNA, type="bounce", at=NOW - timedelta(days=3), event_id="h1")]
    )
    assert _contact(engine, cid)[0] == "stale"
    with engine.begin() as conn:
        change_status(
            conn,
            cid,
            ContactStatus.ACTIVE,
            at=NOW - timedelta(days=1),
            kind="reactivate",
            actor="admin",
            note="new address checked by phone",
        )
    # an older bounce arriving late, and a deferral: still active
    ingest_events(
        cctx,
        [
            sg_event(
                "dropped",
                ANNA,
                reason="Bounced Address",
                at=NOW - timedelta(days=2),
                event_id="late",
            )
        ],
    )
    assert _contact(engine, cid)[0] == "active"
    # new hard evidence after the reactivation counts again
    ingest_events(
        cctx, [sg_event("bounce", ANNA, type="bounce", at=NOW - timedelta(hours=1), event_id="h2")]
    )
    assert _contact(engine, cid)[0] == "stale"


def test_a_stale_contact_the_admin_made_stale_is_left_alone(
    cctx: ClockedContext, engine: Engine
) -> None:
    cid, _ = _anna_with_editions(engine, "2026-06")
    with engine.begin() as conn:
        change_status(
            conn, cid, ContactStatus.STALE, at=NOW - timedelta(days=1), kind="admin", actor="admin"
        )
    ingest_events(cctx, [sg_event("delivered", ANNA, event_id="d1")])
    assert _contact(engine, cid)[0] == "stale"


def test_unknown_event_types_are_stored_and_counted(cctx: ClockedContext, engine: Engine) -> None:
    report = ingest_events(cctx, [sg_event("machine_opened", ANNA, event_id="u1")])
    assert report.unknown == 1
    row = _stored(engine, "u1")
    assert (row.event_type, row.raw_type, row.raw["event"]) == (
        "unknown",
        "machine_opened",
        "machine_opened",
    )


@pytest.mark.parametrize("payload", [{"event": "open"}, [{"event": "open"}, "x"]])
def test_a_payload_that_is_not_a_list_of_objects_stores_nothing(
    cctx: ClockedContext, engine: Engine, payload: Any
) -> None:
    with pytest.raises(WebhookError):
        ingest_events(cctx, payload)
    assert _count(engine, events) == 0


def test_the_stored_standing_always_equals_the_policy_on_all_events(
    cctx: ClockedContext, engine: Engine
) -> None:
    """Random histories, shuffled, cut into random POSTs: whatever the order and the cuts, each
    contact ends where the pure policy puts it on the whole history (the bulk paths, including
    the delivered-only shortcut, never drift from it)."""
    rng = random.Random(5)
    editions = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    kinds = [
        ("delivered", {}), ("delivered", {}), ("delivered", {}), ("processed", {}), ("open", {}),
        ("bounce", {"type": "blocked", "status": "4.7.1"}), ("bounce", {"type": "blocked"}),
        ("deferred", {"response": "421 later"}), ("bounce", {"type": "bounce", "status": "5.1.1"}),
        ("bounce", {"type": "bounce", "bounce_classification": "Technical"}),
        ("dropped", {"reason": "Invalid"}), ("spamreport", {}),
        ("group_unsubscribe", {"asm_group_id": 5}), ("group_resubscribe", {"asm_group_id": 5}),
    ]  # fmt: skip
    with engine.begin() as conn:
        people = {
            f"person{i:02d}@koulu.example": seed_contact(conn, f"person{i:02d}@koulu.example")
            for i in range(40)
        }
    payload: list[dict[str, Any]] = []
    for email in people:
        for _ in range(rng.randint(1, 9)):
            month = rng.randrange(len(editions))
            kind, extra = rng.choice(kinds[:8] if rng.random() < 0.85 else kinds)
            at = NOW - timedelta(days=30 * (len(editions) - month), hours=rng.randint(0, 300))
            payload.append(sg_event(kind, email, edition=editions[month], at=at, **extra))
    rng.shuffle(payload)
    start = 0
    while start < len(payload):
        size = rng.randint(1, 40)
        ingest_events(cctx, payload[start : start + size])
        start += size
    thresholds = thresholds_from(cctx.settings.policy)
    parsed = parse_events(payload, received_at=NOW)
    for email, cid in people.items():
        result = evaluate([e for e in parsed if e.email == email], NOW, thresholds)
        expected = (
            "unsubscribed"
            if result.unsubscribed
            else "stale"
            if result.verdict is Verdict.STALE
            else "active"
        )
        assert _contact(engine, cid)[:2] == (expected, result.soft_streak), email
        assert _contact(engine, cid)[2] == result.last_delivered_at, email


def test_an_event_with_a_nul_character_is_stored_on_every_backend(
    cctx: ClockedContext, engine: Engine
) -> None:
    # a refusal by the database would make SendGrid retry the POST forever
    report = ingest_events(
        cctx, [sg_event("bounce", ANNA, reason="550 no\x00 such user", event_id="nul")]
    )
    assert report.stored == 1
    row = _stored(engine, "nul")
    assert (row.reason, row.raw["reason"]) == ("550 no such user", "550 no\x00 such user")
