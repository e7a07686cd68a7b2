"""PURE: the bounce policy. (a contact's delivery events, now, thresholds) -> verdict.

The verdict is a function of the *set* of events, never of their arrival order: events are sorted
by (occurred_at, provider_event_id) first, so out-of-order delivery by the provider gives the same
result.
Thresholds and the words that decide are data (`Thresholds`, filled from settings), not branches.

Evidence, per SendGrid's Event Webhook reference and bounce classification docs:
- hard (stale at once): `bounce` with type `bounce`; `dropped` with reason `Bounced Address` or
  `Invalid`. Without a type the SMTP status class decides (RFC 3463: 5.x.x permanent, 4.x.x
  transient). A later `delivered` supersedes a hard bounce (the address demonstrably works).
- our side (recorded, reported, never counted against the contact): bounces classified
  Reputation, Content or Technical (our IP, our content or our setup was refused).
- soft: `bounce` with type `blocked`, and `deferred` that ended without delivery (SendGrid gives
  up retrying after 72 hours). Counted per edition (a monthly letter: three deferrals of one
  letter are one failure); soft failures in N consecutive editions -> stale; a `delivered` in an
  edition ends the streak. Editions still in flight neither count nor break the streak.
- unsubscribe: `spamreport`, `unsubscribe`, `group_unsubscribe` (and `dropped` for an address on
  SendGrid's spam-report or unsubscribe list) -> unsubscribed, kept apart from stale. A
  `group_resubscribe` later than the group's unsubscribe reverses only that group unsubscribe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from mailer.core.models import DeliveryEvent, EventType

__all__ = ["Evidence", "PolicyResult", "Thresholds", "Verdict", "classify", "evaluate"]


class Verdict(StrEnum):
    OK = "ok"
    SUSPECT = "suspect"
    STALE = "stale"


class Evidence(StrEnum):
    """How one event counts."""

    HARD = "hard"
    SOFT = "soft"
    DEFERRAL = "deferral"  # soft only if the edition ends without delivery
    OUR_SIDE = "our_side"
    REACHED = "reached"
    UNSUBSCRIBE = "unsubscribe"
    GROUP_UNSUBSCRIBE = "group_unsubscribe"
    GROUP_RESUBSCRIBE = "group_resubscribe"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class Thresholds:
    soft_editions_to_stale: int = 3
    soft_editions_to_suspect: int = 1
    deferral_give_up: timedelta = timedelta(hours=72)
    hard_dropped_reasons: frozenset[str] = frozenset({"bounced address", "invalid"})
    unsubscribed_dropped_reasons: frozenset[str] = frozenset(
        {"spam reporting address", "unsubscribed address"}
    )
    our_side_classifications: frozenset[str] = frozenset({"reputation", "content", "technical"})


@dataclass(frozen=True)
class PolicyResult:
    verdict: Verdict
    unsubscribed: bool
    soft_streak: int
    last_delivered_at: datetime | None
    # the events behind the verdict (stale/suspect) or the unsubscription, oldest first
    evidence: tuple[DeliveryEvent, ...] = ()
    unsubscribe_evidence: tuple[DeliveryEvent, ...] = ()
    not_counted: tuple[DeliveryEvent, ...] = ()  # our-side bounces, for the reports
    reason: str = ""
    counted: frozenset[str] = field(default_factory=frozenset)  # provider_event_ids counted


_STATUS_CLASS = re.compile(r"(?<![\d.])([245])\.\d{1,3}\.\d{1,3}")
_SIMPLE = {
    EventType.DELIVERED: Evidence.REACHED,
    EventType.DEFERRED: Evidence.DEFERRAL,
    EventType.SPAMREPORT: Evidence.UNSUBSCRIBE,
    EventType.UNSUBSCRIBE: Evidence.UNSUBSCRIBE,
    EventType.GROUP_UNSUBSCRIBE: Evidence.GROUP_UNSUBSCRIBE,
    EventType.GROUP_RESUBSCRIBE: Evidence.GROUP_RESUBSCRIBE,
}


def _status_class(event: DeliveryEvent) -> str | None:
    for text in (event.status, event.reason):
        if text:
            found = _STATUS_CLASS.search(text)
            if found:
                return found.group(1)
    return None


def classify(event: DeliveryEvent, thresholds: Thresholds) -> Evidence:
    """What one event is evidence of, on its own."""
    if event.event_type is EventType.BOUNCE:
        if (event.classification or "").strip().lower() in thresholds.our_side_classifications:
            return Evidence.OUR_SIDE
        kind = (event.bounce_type or "").strip().lower()
        if kind == "bounce":
            return Evidence.HARD
        if kind == "blocked":
            return Evidence.SOFT
        # no usable type: the SMTP status class decides; unknown stays soft (never stale on a
        # single failure we cannot read)
        return Evidence.HARD if _status_class(event) == "5" else Evidence.SOFT
    if event.event_type is EventType.DROPPED:
        reason = (event.reason or "").strip().lower()
        if reason in thresholds.hard_dropped_reasons:
            return Evidence.HARD
        if reason in thresholds.unsubscribed_dropped_reasons:
            return Evidence.UNSUBSCRIBE
        return Evidence.NEUTRAL
    return _SIMPLE.get(event.event_type, Evidence.NEUTRAL)


@dataclass
class _Edition:
    reached: bool = False
    soft: list[DeliveryEvent] = field(default_factory=list)
    deferrals: list[DeliveryEvent] = field(default_factory=list)

    def failed(self, now: datetime, give_up: timedelta) -> bool:
        if self.reached:
            return False
        return bool(self.soft) or any(d.occurred_at + give_up <= now for d in self.deferrals)

    def add(self, event: DeliveryEvent, cls: Evidence) -> None:
        if cls is Evidence.REACHED:
            self.reached = True
        elif cls is Evidence.SOFT:
            self.soft.append(event)
        else:
            self.deferrals.append(event)


def _edition_key(event: DeliveryEvent) -> str:
    # an event without an edition (suppression-list entries, unlinked events) counts in the
    # calendar month it happened: the letter is monthly
    return event.edition or event.occurred_at.strftime("%Y-%m")


def evaluate(
    events: Iterable[DeliveryEvent],
    now: datetime,
    thresholds: Thresholds,
    *,
    since: datetime | None = None,
) -> PolicyResult:
    """The verdict for one contact. Events before `since` (an admin's reactivation) are history
    that no longer counts; `last_delivered_at` still sees them."""
    ordered = sorted(events, key=_order)
    classes = [(e, classify(e, thresholds)) for e in ordered]
    reached_at = [e.occurred_at for e, c in classes if c is Evidence.REACHED]
    current = [(e, c) for e, c in classes if since is None or e.occurred_at >= since]

    hard = _hard_evidence(current, reached_at)
    streak, soft_evidence = _soft_streak(current, now, thresholds.deferral_give_up)
    unsub = _unsubscribe_evidence(current)
    verdict, evidence, reason = _verdict(hard, streak, soft_evidence, thresholds)
    if unsub:
        reason = _describe("unsubscribed", unsub[-1]) + (f"; {reason}" if reason else "")
    return PolicyResult(
        verdict=verdict,
        unsubscribed=bool(unsub),
        soft_streak=streak,
        last_delivered_at=max(reached_at) if reached_at else None,
        evidence=evidence,
        unsubscribe_evidence=tuple(unsub),
        not_counted=tuple(e for e, c in current if c is Evidence.OUR_SIDE),
        reason=reason,
        counted=frozenset(e.provider_event_id for e in (*evidence, *unsub)),
    )


_Classified = list[tuple[DeliveryEvent, Evidence]]


def _order(event: DeliveryEvent) -> tuple[datetime, str]:
    return event.occurred_at, event.provider_event_id


def _hard_evidence(current: _Classified, reached_at: list[datetime]) -> list[DeliveryEvent]:
    """Hard bounces that no later delivery superseded."""
    return [
        e
        for e, c in current
        if c is Evidence.HARD and not any(t > e.occurred_at for t in reached_at)
    ]


def _soft_streak(
    current: _Classified, now: datetime, give_up: timedelta
) -> tuple[int, list[DeliveryEvent]]:
    """Consecutive failed editions, newest first until one that reached the contact, and the
    events behind them (oldest first)."""
    editions: dict[str, _Edition] = {}
    for event, cls in current:
        if cls in (Evidence.REACHED, Evidence.SOFT, Evidence.DEFERRAL):
            editions.setdefault(_edition_key(event), _Edition()).add(event, cls)
    streak = 0
    soft_evidence: list[DeliveryEvent] = []
    for key in sorted(editions, reverse=True):
        slot = editions[key]
        if slot.reached:
            break
        if slot.failed(now, give_up):
            streak += 1
            soft_evidence[:0] = slot.soft + [
                d for d in slot.deferrals if d.occurred_at + give_up <= now
            ]
    return streak, soft_evidence


def _unsubscribe_evidence(current: _Classified) -> list[DeliveryEvent]:
    """Unsubscribes, and each group's latest group unsubscribe not reversed by a resubscribe."""
    unsub = [e for e, c in current if c is Evidence.UNSUBSCRIBE]
    groups: dict[str, tuple[DeliveryEvent, Evidence]] = {}
    for event, cls in current:
        if cls in (Evidence.GROUP_UNSUBSCRIBE, Evidence.GROUP_RESUBSCRIBE):
            group = str(event.raw.get("asm_group_id", ""))
            seen = groups.get(group)
            if seen is None or _supersedes(event, cls, seen[0]):
                groups[group] = (event, cls)
    unsub += [e for e, c in groups.values() if c is Evidence.GROUP_UNSUBSCRIBE]
    unsub.sort(key=_order)
    return unsub


def _supersedes(event: DeliveryEvent, cls: Evidence, seen: DeliveryEvent) -> bool:
    # at the same instant the unsubscribe wins (the safer reading)
    if event.occurred_at != seen.occurred_at:
        return event.occurred_at > seen.occurred_at
    return cls is Evidence.GROUP_UNSUBSCRIBE


def _verdict(
    hard: list[DeliveryEvent],
    streak: int,
    soft_evidence: list[DeliveryEvent],
    thresholds: Thresholds,
) -> tuple[Verdict, tuple[DeliveryEvent, ...], str]:
    if hard:
        return Verdict.STALE, tuple(hard), _describe("hard bounce", hard[-1])
    if streak >= thresholds.soft_editions_to_stale:
        reason = f"soft failures in {streak} consecutive editions"
        return Verdict.STALE, tuple(soft_evidence), reason
    if streak >= thresholds.soft_editions_to_suspect:
        reason = f"soft failures in {streak} consecutive edition(s)"
        return Verdict.SUSPECT, tuple(soft_evidence), reason
    return Verdict.OK, (), ""


def _describe(what: str, event: DeliveryEvent) -> str:
    parts = [f"{what}: {event.raw_type}"]
    if event.status:
        parts.append(event.status)
    if event.reason:
        parts.append(event.reason[:200])
    parts.append(event.occurred_at.strftime("%Y-%m-%d %H:%M UTC"))
    return " ".join(parts[:1]) + " (" + ", ".join(parts[1:]) + ")"
