"""The bounce policy, table-tested on event histories; every case also in shuffled order."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mailer.core.bounces.policy import Evidence, Thresholds, Verdict, classify, evaluate
from mailer.core.models import DeliveryEvent, EventType

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
DEFAULT = Thresholds()
_ids = itertools.count()


def ev(
    kind: str, edition: str | None = "2026-06", *, days_ago: float = 5, **fields: Any
) -> DeliveryEvent:
    """An event `days_ago` before NOW; `fields` are DeliveryEvent fields (status, reason...)."""
    raw = {"event": kind} | {k: v for k, v in fields.items() if k == "asm_group_id"}
    fields.pop("asm_group_id", None)
    event_type = EventType(kind) if kind in EventType._value2member_map_ else EventType.UNKNOWN
    return DeliveryEvent(
        provider_event_id=f"ev{next(_ids):04d}",
        event_type=event_type,
        raw_type=kind,
        email="anna.virtanen@espoo.example",
        occurred_at=NOW - timedelta(days=days_ago),
        edition=edition,
        raw=raw,
        **fields,
    )


def hard(edition: str = "2026-06", **kw: Any) -> DeliveryEvent:
    return ev(
        "bounce",
        edition,
        bounce_type="bounce",
        status="5.1.1",
        reason="550 5.1.1 no such user",
        **kw,
    )


def blocked(edition: str, **kw: Any) -> DeliveryEvent:
    return ev(
        "bounce", edition, bounce_type="blocked", status="4.7.1", reason="421 greylisted", **kw
    )


def delivered(edition: str, **kw: Any) -> DeliveryEvent:
    return ev("delivered", edition, **kw)


# (name, history, verdict, unsubscribed, soft streak)
CASES: list[tuple[str, list[DeliveryEvent], Verdict, bool, int]] = [
    ("no events", [], Verdict.OK, False, 0),
    (
        "delivered",
        [ev("processed"), delivered("2026-06"), ev("open"), ev("click")],
        Verdict.OK,
        False,
        0,
    ),
    ("hard bounce", [ev("processed"), hard()], Verdict.STALE, False, 0),
    (
        "hard bounce, type in capitals",
        [ev("bounce", bounce_type="BOUNCE", status="5.1.1")],
        Verdict.STALE,
        False,
        0,
    ),
    ("dropped invalid", [ev("dropped", reason="Invalid")], Verdict.STALE, False, 0),
    ("dropped bounced address", [ev("dropped", reason="bounced address")], Verdict.STALE, False, 0),
    (
        "dropped for another reason",
        [ev("dropped", reason="Invalid SMTPAPI header")],
        Verdict.OK,
        False,
        0,
    ),
    (
        "dropped unsubscribed address",
        [ev("dropped", reason="Unsubscribed Address")],
        Verdict.OK,
        True,
        0,
    ),
    ("technical bounce not counted", [hard(classification="Technical")], Verdict.OK, False, 0),
    (
        "reputation block not counted",
        [blocked("2026-06", classification="reputation")],
        Verdict.OK,
        False,
        0,
    ),
    ("content bounce not counted", [hard(classification="CONTENT")], Verdict.OK, False, 0),
    (
        "invalid-address classification still hard",
        [hard(classification="Invalid Address")],
        Verdict.STALE,
        False,
        0,
    ),
    ("no type, status 5.x.x", [ev("bounce", status="5.1.1")], Verdict.STALE, False, 0),
    ("no type, status 4.x.x", [ev("bounce", status="4.2.2")], Verdict.SUSPECT, False, 1),
    (
        "no type, status in reason",
        [ev("bounce", reason="550 5.1.1 <x>: user unknown")],
        Verdict.STALE,
        False,
        0,
    ),
    ("no type, nothing readable", [ev("bounce", reason="went wrong")], Verdict.SUSPECT, False, 1),
    ("one soft edition", [blocked("2026-06")], Verdict.SUSPECT, False, 1),
    (
        "two soft editions",
        [blocked("2026-05", days_ago=35), blocked("2026-06")],
        Verdict.SUSPECT,
        False,
        2,
    ),
    (
        "three soft editions",
        [blocked("2026-04", days_ago=65), blocked("2026-05", days_ago=35), blocked("2026-06")],
        Verdict.STALE,
        False,
        3,
    ),
    (
        "two soft editions then delivered",
        [blocked("2026-04", days_ago=65), blocked("2026-05", days_ago=35), delivered("2026-06")],
        Verdict.OK,
        False,
        0,
    ),
    (
        "delivered then two soft editions",
        [delivered("2026-04", days_ago=65), blocked("2026-05", days_ago=35), blocked("2026-06")],
        Verdict.SUSPECT,
        False,
        2,
    ),
    (
        "same-edition repeats count once",
        [
            blocked("2026-05", days_ago=36),
            blocked("2026-05", days_ago=35),
            blocked("2026-05", days_ago=34),
            blocked("2026-06"),
        ],
        Verdict.SUSPECT,
        False,
        2,
    ),
    (
        "deferred then delivered in the same edition",
        [
            ev("deferred", days_ago=6),
            ev("deferred", days_ago=5.5),
            delivered("2026-06", days_ago=5),
        ],
        Verdict.OK,
        False,
        0,
    ),
    ("deferral still being retried", [ev("deferred", days_ago=1)], Verdict.OK, False, 0),
    ("deferral given up after 72 h", [ev("deferred", days_ago=4)], Verdict.SUSPECT, False, 1),
    (
        "three editions of given-up deferrals",
        [
            ev("deferred", "2026-04", days_ago=65),
            ev("deferred", "2026-05", days_ago=35),
            ev("deferred", "2026-06", days_ago=5),
        ],
        Verdict.STALE,
        False,
        3,
    ),
    (
        "an edition in flight does not break the streak",
        [
            blocked("2026-03", days_ago=95),
            blocked("2026-04", days_ago=65),
            blocked("2026-05", days_ago=35),
            ev("processed", "2026-06", days_ago=0.1),
        ],
        Verdict.STALE,
        False,
        3,
    ),
    (
        "events without an edition count per month",
        [blocked(None, days_ago=65), blocked(None, days_ago=64), blocked(None, days_ago=35)],
        Verdict.SUSPECT,
        False,
        2,
    ),
    (
        "hard bounce then a later delivery",
        [hard("2026-05", days_ago=35), delivered("2026-06")],
        Verdict.OK,
        False,
        0,
    ),
    (
        "delivery then a later hard bounce",
        [delivered("2026-05", days_ago=35), hard("2026-06")],
        Verdict.STALE,
        False,
        0,
    ),
    ("spam report", [delivered("2026-06"), ev("spamreport", days_ago=4)], Verdict.OK, True, 0),
    ("unsubscribe", [ev("unsubscribe")], Verdict.OK, True, 0),
    ("group unsubscribe", [ev("group_unsubscribe", asm_group_id=7)], Verdict.OK, True, 0),
    (
        "group unsubscribe then resubscribe",
        [
            ev("group_unsubscribe", days_ago=5, asm_group_id=7),
            ev("group_resubscribe", days_ago=4, asm_group_id=7),
        ],
        Verdict.OK,
        False,
        0,
    ),
    (
        "group resubscribe then unsubscribe again",
        [
            ev("group_resubscribe", days_ago=5, asm_group_id=7),
            ev("group_unsubscribe", days_ago=4, asm_group_id=7),
        ],
        Verdict.OK,
        True,
        0,
    ),
    (
        "resubscribe and unsubscribe at the same instant: unsubscribed",
        [
            ev("group_resubscribe", days_ago=4, asm_group_id=7),
            ev("group_unsubscribe", days_ago=4, asm_group_id=7),
        ],
        Verdict.OK,
        True,
        0,
    ),
    (
        "group resubscribe does not undo a spam report",
        [ev("spamreport", days_ago=5), ev("group_resubscribe", days_ago=4, asm_group_id=7)],
        Verdict.OK,
        True,
        0,
    ),
    ("group resubscribe alone", [ev("group_resubscribe", asm_group_id=7)], Verdict.OK, False, 0),
    (
        "stale and unsubscribed are both reported",
        [hard(), ev("spamreport")],
        Verdict.STALE,
        True,
        0,
    ),
    ("unknown event type is neutral", [ev("machine_opened")], Verdict.OK, False, 0),
]


@pytest.mark.parametrize(
    ("name", "history", "verdict", "unsubscribed", "streak"), CASES, ids=[c[0] for c in CASES]
)
def test_policy_verdict_on_event_history(
    name: str, history: list[DeliveryEvent], verdict: Verdict, unsubscribed: bool, streak: int
) -> None:
    result = evaluate(history, NOW, DEFAULT)
    assert (result.verdict, result.unsubscribed, result.soft_streak) == (
        verdict,
        unsubscribed,
        streak,
    )
    if verdict is not Verdict.OK:
        assert result.evidence, "a stale or suspect verdict names its evidence"
        assert result.reason
    if unsubscribed:
        assert result.unsubscribe_evidence


@pytest.mark.parametrize(
    ("name", "history", "verdict", "unsubscribed", "streak"), CASES, ids=[c[0] for c in CASES]
)
def test_policy_ignores_the_order_events_arrive_in(
    name: str, history: list[DeliveryEvent], verdict: Verdict, unsubscribed: bool, streak: int
) -> None:
    expected = evaluate(history, NOW, DEFAULT)
    rng = random.Random(name)
    for _ in range(6):
        shuffled = history[:]
        rng.shuffle(shuffled)
        assert evaluate(reversed(shuffled), NOW, DEFAULT) == expected


def test_our_side_bounces_are_reported_not_counted() -> None:
    technical = hard(classification="Technical")
    result = evaluate([technical], NOW, DEFAULT)
    assert result.not_counted == (technical,)
    assert classify(technical, DEFAULT) is Evidence.OUR_SIDE


def test_the_evidence_is_the_hard_bounce_with_its_smtp_status() -> None:
    bounce = hard()
    result = evaluate([delivered("2026-05", days_ago=40), bounce], NOW, DEFAULT)
    assert result.evidence == (bounce,)
    assert "5.1.1" in result.reason
    assert result.last_delivered_at == NOW - timedelta(days=40)


def test_events_before_an_admin_reactivation_no_longer_count() -> None:
    old = hard("2026-05", days_ago=35)
    assert evaluate([old], NOW, DEFAULT, since=NOW - timedelta(days=10)).verdict is Verdict.OK
    new = hard("2026-06", days_ago=2)
    assert (
        evaluate([old, new], NOW, DEFAULT, since=NOW - timedelta(days=10)).verdict is Verdict.STALE
    )


def test_thresholds_are_data() -> None:
    history = [blocked("2026-05", days_ago=35), blocked("2026-06")]
    assert evaluate(history, NOW, DEFAULT).verdict is Verdict.SUSPECT
    assert (
        evaluate(history, NOW, replace(DEFAULT, soft_editions_to_stale=2)).verdict is Verdict.STALE
    )
    assert (
        evaluate(history, NOW, replace(DEFAULT, soft_editions_to_suspect=3)).verdict is Verdict.OK
    )
    technical = [hard(classification="Technical")]
    assert (
        evaluate(technical, NOW, replace(DEFAULT, our_side_classifications=frozenset())).verdict
        is Verdict.STALE
    )
    deferral = [ev("deferred", days_ago=1)]
    assert (
        evaluate(deferral, NOW, replace(DEFAULT, deferral_give_up=timedelta(hours=12))).soft_streak
        == 1
    )
