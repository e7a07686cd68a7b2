"""PURE: who gets which variant of an edition, nothing twice.

Input: contacts (a chunk at a time, so a million contacts never sit in memory at once), the
edition's existing ledger rows for those contacts, and the optional region/language filter.
Output: the contacts to plan per variant, the queued rows to withdraw (the contact may no longer
be mailed), and the skipped contacts counted by reason. Erased contacts are gone from the register
and so never appear here. No clock, no database: the pipeline does the I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from mailer.core.models import ContactStatus, DeliveryState, Language, Region, Variant

__all__ = ["Candidate", "Plan", "plan_deliveries"]

_ACTIVE = ContactStatus.ACTIVE.value  # enum .value is a property call: hoisted from the loop
_QUEUED = DeliveryState.QUEUED.value
_SETTLED = frozenset({DeliveryState.ACCEPTED.value, DeliveryState.SENDING.value})

# Why a contact is not mailed; the keys of `Plan.skipped` (and of SendReport.skipped).
_SKIP_REASON = {
    ContactStatus.STALE.value: "stale",
    ContactStatus.UNSUBSCRIBED.value: "unsubscribed",
    ContactStatus.PENDING.value: "pending",  # awaiting a coordinator's approval
    ContactStatus.RETIRED.value: "retired",  # left the role
}
# An active contact missing from their roster while MAILER_MISSING_FROM_ROSTER=pause.
_PAUSED = "missing_from_roster"


class Candidate(NamedTuple):
    """A contact as planning sees it (a database row fits as it is)."""

    id: int
    region: str
    language: str
    status: ContactStatus
    paused: bool = False  # missing from their roster, and the setting pauses such contacts


@dataclass
class Plan:
    new: dict[Variant, list[int]] = field(default_factory=dict)  # contact ids to plan
    withdraw: list[int] = field(default_factory=list)  # queued rows of no-longer-mailable contacts
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> contacts
    already_planned: int = 0  # contacts with a ledger row for the edition (any state)

    @property
    def new_count(self) -> int:
        return sum(len(ids) for ids in self.new.values())


def plan_deliveries(
    candidates: Iterable[Candidate],
    existing: Mapping[int, DeliveryState],
    *,
    region: Region | None = None,
    language: Language | None = None,
) -> Plan:
    """Plan one chunk of contacts.

    `existing` maps contact id -> ledger state of the edition's rows for these contacts. A contact
    with a row is never planned again (whatever its state: accepted, failed and sending rows are
    the send's business). A contact that is no longer active is skipped with its status as the
    reason, and its row, if still queued, is withdrawn so it never reaches the provider."""
    plan = Plan()
    seen: set[int] = set()
    variants: dict[tuple[str, str], Variant | None] = {}
    only_region = region.value if region is not None else None
    only_language = language.value if language is not None else None
    for cand in candidates:
        if cand.id in seen:
            continue  # nothing twice, even if the caller passes a contact twice
        seen.add(cand.id)
        if (only_region is not None and cand.region != only_region) or (
            only_language is not None and cand.language != only_language
        ):
            continue  # outside this run's scope: neither planned nor skipped
        state = existing.get(cand.id)
        mailable = cand.status == _ACTIVE and not cand.paused
        if not mailable and state in _SETTLED:
            # Their letter of this edition already went out (or is going) before they became
            # stale or unsubscribed: not a skip, or a re-run would count them again each time.
            plan.already_planned += 1
            continue
        if not mailable:
            reason = _PAUSED if cand.status == _ACTIVE else _SKIP_REASON.get(cand.status)
            plan.skipped[reason or cand.status] += 1
            if state == _QUEUED:
                plan.withdraw.append(cand.id)
            continue
        if state is not None:
            plan.already_planned += 1
            continue
        key = (cand.region, cand.language)
        if key not in variants:
            variants[key] = _variant(*key)
        variant = variants[key]
        if variant is None:
            plan.skipped["invalid_variant"] += 1
            continue
        plan.new.setdefault(variant, []).append(cand.id)
    return plan


def _variant(region: str, language: str) -> Variant | None:
    try:
        return Variant(region=Region(region), language=Language(language))
    except ValueError:
        return None
