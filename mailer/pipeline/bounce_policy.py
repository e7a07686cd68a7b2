"""The bounce policy applied to stored events: which contacts' standing moves, written through
`change_status` (with history) and the contacts' soft-streak / last-delivery counters."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy.engine import Connection

from mailer.config import BouncePolicySettings
from mailer.core.bounces.policy import PolicyResult, Thresholds, Verdict, evaluate
from mailer.core.models import ContactStatus, DeliveryEvent, EventType
from mailer.store.contacts import change_status
from mailer.store.events import (
    ContactState,
    CounterUpdate,
    contact_states,
    load_histories,
    update_counters,
)

__all__ = ["POLICY_KIND", "POLICY_TYPES", "StatusChange", "apply_policy", "thresholds_from"]

# contact_history.kind of every status change the policy makes; a change of any other kind
# (admin reactivation, the unsubscribe page) is not the policy's to undo
POLICY_KIND = "bounce-policy"
# the event types the policy reads; opens, clicks and `processed` never change a standing
POLICY_TYPES = frozenset(
    {
        EventType.DELIVERED,
        EventType.DEFERRED,
        EventType.BOUNCE,
        EventType.DROPPED,
        EventType.SPAMREPORT,
        EventType.UNSUBSCRIBE,
        EventType.GROUP_UNSUBSCRIBE,
        EventType.GROUP_RESUBSCRIBE,
    }
)


class StatusChange(BaseModel):
    contact_id: int
    old_status: ContactStatus
    new_status: ContactStatus
    reason: str


def thresholds_from(policy: BouncePolicySettings) -> Thresholds:
    def lower(values: list[str]) -> frozenset[str]:
        return frozenset(v.strip().lower() for v in values)

    return Thresholds(
        soft_editions_to_stale=policy.soft_editions_to_stale,
        soft_editions_to_suspect=policy.soft_editions_to_suspect,
        deferral_give_up=timedelta(hours=policy.deferral_give_up_hours),
        hard_dropped_reasons=lower(policy.hard_dropped_reasons),
        unsubscribed_dropped_reasons=lower(policy.unsubscribed_dropped_reasons),
        our_side_classifications=lower(policy.our_side_classifications),
    )


def apply_policy(
    conn: Connection,
    contact_ids: set[int],
    now: datetime,
    thresholds: Thresholds,
    *,
    only_delivered: dict[int, datetime] | None = None,
) -> list[StatusChange]:
    """Re-evaluate these contacts on their whole stored history (so arrival order never matters)
    and write what moved: status (through change_status, with history), soft streak, last
    delivery. A status someone else set (unsubscribe page, admin) is left alone.

    `only_delivered`: contacts whose only new policy events are deliveries (latest time). For
    one that is active with no soft streak a delivery cannot change the verdict (it only resets
    and supersedes), so just its last delivery moves: the bulk of webhook traffic skips loading
    the history."""
    if not contact_ids:
        return []
    states = contact_states(conn, contact_ids, {POLICY_KIND})
    counters: list[CounterUpdate] = []
    full = _skip_plain_deliveries(states, set(contact_ids), only_delivered or {}, now, counters)
    histories = load_histories(conn, full, POLICY_TYPES)
    changes: list[StatusChange] = []
    for cid in sorted(full):
        state = states.get(cid)
        if state is None:  # erased meanwhile
            continue
        result = evaluate(histories.get(cid, []), now, thresholds, since=state.since)
        change = _move_status(conn, state, result, now)
        if change is not None:
            changes.append(change)
        counter = _counter_update(state, result, now, reset=_reset_streak(change))
        if counter is not None:
            counters.append(counter)
    update_counters(conn, counters)
    return changes


def _skip_plain_deliveries(
    states: dict[int, ContactState],
    full: set[int],
    only_delivered: dict[int, datetime],
    now: datetime,
    counters: list[CounterUpdate],
) -> set[int]:
    """The contacts that need their history evaluated: an active contact without a soft streak
    whose only news is a delivery just gets its last delivery moved (appended to `counters`)."""
    for cid, at in only_delivered.items():
        state = states.get(cid)
        if state is not None and state.status is ContactStatus.ACTIVE and state.soft_streak == 0:
            full.discard(cid)
            if state.last_delivered_at is None or at > state.last_delivered_at:
                counters.append(CounterUpdate(cid, 0, at, now))
    return full


def _wanted_status(result: PolicyResult) -> tuple[ContactStatus, tuple[DeliveryEvent, ...]]:
    """The status the evidence calls for, and that evidence."""
    if result.unsubscribed:
        return ContactStatus.UNSUBSCRIBED, result.unsubscribe_evidence
    if result.verdict is Verdict.STALE:
        return ContactStatus.STALE, result.evidence
    return ContactStatus.ACTIVE, ()


def _move_status(
    conn: Connection, state: ContactState, result: PolicyResult, now: datetime
) -> StatusChange | None:
    """Write the status change the verdict calls for, when the status is the policy's to move."""
    wanted, evidence = _wanted_status(result)
    if not state.policy_owned or wanted == state.status:
        return None
    reason = result.reason or "the evidence for the earlier status no longer holds"
    source = f"sendgrid:{evidence[-1].raw_type}" if evidence else "sendgrid"
    cid = state.id
    if not change_status(
        conn, cid, wanted, at=now, kind=POLICY_KIND, reason=reason, source=source[:64]
    ):
        return None
    return StatusChange(contact_id=cid, old_status=state.status, new_status=wanted, reason=reason)


def _reset_streak(change: StatusChange | None) -> bool:
    # change_status to active zeroes the streak in the row: write ours back in any case then
    return change is not None and change.new_status is ContactStatus.ACTIVE


def _counter_update(
    state: ContactState, result: PolicyResult, now: datetime, *, reset: bool
) -> CounterUpdate | None:
    """The contact's soft streak and last delivery, when either moved (or `reset` forces it)."""
    delivered = result.last_delivered_at
    if state.last_delivered_at and (delivered is None or delivered < state.last_delivered_at):
        delivered = state.last_delivered_at
    if reset or result.soft_streak != state.soft_streak or delivered != state.last_delivered_at:
        return CounterUpdate(state.id, result.soft_streak, delivered, now)
    return None
