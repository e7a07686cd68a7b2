"""mailer.core.delivery.plan: who gets which variant, nothing twice, skipped contacts counted by
reason."""

from __future__ import annotations

import pytest

from mailer.core.delivery.plan import Candidate, plan_deliveries
from mailer.core.models import Language, Region, Variant

HYKS_FI = Variant(region=Region.HYKS, language=Language.FI)
TYKS_SV = Variant(region=Region.TYKS, language=Language.SV)


def c(cid: int, region: str = "hyks", language: str = "fi", status: str = "active") -> Candidate:
    return Candidate(cid, region, language, status)


@pytest.mark.parametrize(
    ("candidate", "existing", "new", "withdraw", "skipped", "already"),
    [
        (c(1), {}, {HYKS_FI: [1]}, [], {}, 0),
        (c(2, "tyks", "sv"), {}, {TYKS_SV: [2]}, [], {}, 0),
        (c(3, status="stale"), {}, {}, [], {"stale": 1}, 0),
        (c(4, status="unsubscribed"), {}, {}, [], {"unsubscribed": 1}, 0),
        # planned earlier, then unsubscribed: its queued row is withdrawn
        (c(5, status="unsubscribed"), {5: "queued"}, {}, [5], {"unsubscribed": 1}, 0),
        # ... but a row already sent (or being sent) stays: it is history
        (c(6, status="stale"), {6: "accepted"}, {}, [], {}, 1),
        (c(7, status="stale"), {7: "sending"}, {}, [], {}, 1),
        # any existing row means "already planned", whatever its state
        (c(8), {8: "accepted"}, {}, [], {}, 1),
        (c(9), {9: "failed"}, {}, [], {}, 1),
        (c(10), {10: "queued"}, {}, [], {}, 1),
        (c(11, "lappi"), {}, {}, [], {"invalid_variant": 1}, 0),
    ],
)
def test_one_contact(
    candidate: Candidate,
    existing: dict[int, str],
    new: dict[Variant, list[int]],
    withdraw: list[int],
    skipped: dict[str, int],
    already: int,
) -> None:
    plan = plan_deliveries([candidate], existing)
    assert (plan.new, plan.withdraw, dict(plan.skipped), plan.already_planned) == (
        new,
        withdraw,
        skipped,
        already,
    )


def test_a_contact_given_twice_is_planned_once() -> None:
    plan = plan_deliveries([c(1), c(2), c(1)], {})
    assert plan.new == {HYKS_FI: [1, 2]}
    assert plan.new_count == 2


@pytest.mark.parametrize(
    ("region", "language", "expected"),
    [
        (None, None, {1, 2, 3, 4}),
        (Region.HYKS, None, {1, 2}),
        (None, Language.SV, {2, 4}),
        (Region.TYKS, Language.FI, {3}),
    ],
)
def test_filters_keep_out_of_scope_contacts_out_of_plan_and_skips(
    region: Region | None, language: Language | None, expected: set[int]
) -> None:
    candidates = [
        c(1),
        c(2, "hyks", "sv"),
        c(3, "tyks", "fi"),
        c(4, "tyks", "sv"),
        c(5, "oys", "fi", status="stale"),
    ]
    plan = plan_deliveries(candidates, {}, region=region, language=language)
    assert {cid for ids in plan.new.values() for cid in ids} == expected
    in_scope_stale = region in (None, Region.OYS) and language in (None, Language.FI)
    assert dict(plan.skipped) == ({"stale": 1} if in_scope_stale else {})
