"""Planning a send: the ledger rows of an edition, a chunk of contacts at a time (one transaction
each), so a million contacts never sit in memory and an interrupted plan simply continues."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator

from mailer.config import MissingFromRoster
from mailer.core.delivery.plan import Candidate, plan_deliveries
from mailer.core.models import DeliveryState, Language, Region
from mailer.pipeline.context import Context
from mailer.store import ledger_plan

__all__ = ["plan_ledger"]


def _delivery_ids(n: int) -> Iterator[str]:
    """n version-7 UUID strings (RFC 9562 section 5.7): the current Unix time in milliseconds,
    then 74 random bits, all from one read of the OS random source.

    Time-ordered on purpose: the ledger's unique index on delivery_id then grows at its right
    edge, as the rowid does, instead of taking each new id at a random place in a B-tree of a
    million entries (at a million recipients random v4 ids made planning take half again as
    long, most of it rewriting index pages). The ids stay unguessable (74 random bits) and
    nothing reads meaning into them."""
    stamp = f"{time.time_ns() // 1_000_000:012x}"
    head = f"{stamp[:8]}-{stamp[8:]}-7"
    pool = os.urandom(10 * n).hex()  # 20 hex digits per id; 19 are used
    for at in range(0, 20 * n, 20):
        h = pool[at : at + 20]
        # version nibble 7 (in `head`); variant bits 10xx
        yield f"{head}{h[:3]}-{'89ab'[int(h[3], 16) & 3]}{h[4:7]}-{h[7:19]}"


def plan_ledger(
    ctx: Context,
    month: str,
    region: Region | None,
    language: Language | None,
    dry_run: bool,
    *,
    by_variant: Counter[str] | None = None,
) -> tuple[int, int, Counter[str]]:
    """Plan in chunks (one transaction each); returns (new, withdrawn, skipped). `by_variant`,
    when given, counts the new rows per variant key ("hyks-fi")."""
    new = withdrawn = 0
    skipped: Counter[str] = Counter()
    last = 0
    r = region.value if region else None
    lang = language.value if language else None
    pause = ctx.settings.missing_from_roster is MissingFromRoster.PAUSE
    while True:
        with ctx.engine.begin() as conn:
            rows = ledger_plan.plan_candidate_chunk(
                conn, after=last, region=r, language=lang, pause_missing=pause
            )
            if not rows:
                break
            last = rows[-1].id
            existing = ledger_plan.planned_states(conn, month, rows[0].id, last)
            plan = plan_deliveries(
                [Candidate(c.id, c.region, c.language, c.status, c.paused) for c in rows],
                existing,
                region=region,
                language=language,
            )
            skipped.update(plan.skipped)
            new += plan.new_count
            if by_variant is not None:
                by_variant.update({v.key: len(ids) for v, ids in plan.new.items()})
            if dry_run:
                continue
            email = {row.id: row.email for row in rows}
            fresh = _delivery_ids(plan.new_count)
            ledger_plan.insert_planned(
                conn,
                [
                    (next(fresh), month, cid, email[cid], reg, lang, DeliveryState.QUEUED, 0)
                    for (reg, lang), ids in (
                        ((v.region.value, v.language.value), ids) for v, ids in plan.new.items()
                    )
                    for cid in ids
                ],
                queued_at=ctx.now(),
            )
            if plan.withdraw:
                withdrawn += ledger_plan.withdraw_queued(conn, month, plan.withdraw)
    return new, withdrawn, skipped
