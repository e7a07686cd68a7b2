"""Send an approved edition: plan the ledger, then claim, send and finish one batch at a time.

Exactly once, crash-safe (README "Delivery"): a batch's rows are marked `sending` in a committed
transaction before the provider is called and `accepted`/`failed` in another one after it. Rows a
crash leaves in `sending` are *ambiguous*; the next run resolves them by evidence (the AMBIGUOUS
RULE in `_resolve_ambiguous`) and never re-sends them blindly.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel, Field

from mailer.core.delivery.plan import Candidate, plan_deliveries
from mailer.core.edition.render import personalise
from mailer.core.models import (
    CompiledVariant,
    Language,
    Region,
    Role,
    SendOutcome,
    Variant,
)
from mailer.pipeline.context import Context
from mailer.pipeline.send.loop import LoopCounts, RecipientFactory, VariantSender
from mailer.providers import Provider, make_provider, unsubscribe_headers
from mailer.store import ledger, ledger_plan
from mailer.store.tables import editions

__all__ = ["SendReport", "deliver", "send_edition", "send_test"]

# A batch claimed by a process on another host counts as abandoned after this long (a live
# sender finishes a batch within its bounded retries long before).
LEASE = timedelta(minutes=15)

Progress = Callable[[int, int], None]


class SendReport(BaseModel):
    edition: str
    provider: str
    region: str | None = None
    language: str | None = None
    dry_run: bool = False
    planned: int = 0  # ledger rows in scope (a dry run: rows there would be)
    newly_planned: int = 0
    accepted: int = 0  # accepted in this run (sent, or proven sent by evidence)
    already_accepted: int = 0  # accepted by earlier runs
    failed: int = 0  # failed in this run (re-tried by the next run)
    skipped: dict[str, int] = Field(default_factory=dict)  # reason -> contacts never planned
    ambiguous: int = 0  # left in `sending` with unknown fate (see README)
    resolved_by_evidence: int = 0
    resent_ambiguous: int = 0
    in_flight_elsewhere: int = 0  # `sending` rows of a live sender on the same edition
    queued: int = 0  # still waiting at the end (the run stopped early)
    batches: int = 0
    errors: list[str] = Field(default_factory=list)
    worker_id: str = ""
    seconds: float = 0.0


def _worker_tag(worker_id: str | None) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{worker_id or uuid.uuid4().hex[:8]}"


def _alive(claimed_by: str | None, sending_at: datetime | None, now: datetime, me: str) -> bool:
    """Is the sender that claimed a batch still running? Same host: its pid tells; another host:
    only the lease can."""
    if claimed_by is None or sending_at is None or now - sending_at > LEASE:
        return False
    if claimed_by == me:
        return True
    host, _, rest = claimed_by.partition(":")
    if host != socket.gethostname():
        return True
    pid_text = rest.partition(":")[0]
    if not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False  # an earlier (finished) run in this same process
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


# --- planning ------------------------------------------------------------------------------------


def _plan(
    ctx: Context, month: str, region: Region | None, language: Language | None, dry_run: bool
) -> tuple[int, int, Counter[str]]:
    """Plan in chunks (one transaction each); returns (new, withdrawn, skipped)."""
    new = withdrawn = 0
    skipped: Counter[str] = Counter()
    last = 0
    r = region.value if region else None
    lang = language.value if language else None
    while True:
        with ctx.engine.begin() as conn:
            rows = ledger_plan.plan_candidate_chunk(conn, after=last, region=r, language=lang)
            if not rows:
                break
            last = rows[-1][0]
            existing = ledger_plan.planned_states(conn, month, rows[0][0], last)
            plan = plan_deliveries(
                [Candidate(*row[:4]) for row in rows], existing, region=region, language=language
            )
            skipped.update(plan.skipped)
            new += plan.new_count
            if dry_run:
                continue
            email = {row[0]: row[4] for row in rows}
            fresh = _delivery_ids(plan.new_count)
            ledger_plan.insert_planned(
                conn,
                [
                    (next(fresh), month, cid, email[cid], reg, lang, "queued", 0)
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


# --- the ambiguity rule ---------------------------------------------------------------------------


def _resolve_ambiguous(
    ctx: Context,
    month: str,
    scope: tuple[str | None, str | None],
    provider: Provider,
    *,
    report: SendReport,
    me: str,
    resend: bool,
) -> None:
    """AMBIGUOUS RULE. A row in `sending` whose sender is gone (crashed or killed) is resolved:
    1. a stored delivery event (any type) linked to any row of its batch (events.delivery_pk, or
       an sg_message_id starting with the batch's X-Message-Id) proves SendGrid accepted the
       whole request -> every row of the batch becomes `accepted`;
    2. for the outbox, the letter's .eml file (or index line) proves that row -> `accepted`;
    3. the rest stays `sending` and is reported as ambiguous; only `--resend-ambiguous` queues
       it again (it may then arrive twice). Rows of a sender that is still running are left to
       it and reported as in flight."""
    now = ctx.now()
    with ctx.engine.connect() as conn:
        batches = ledger.sending_batches(conn, month, *scope)
        dead = [b for b in batches if not _alive(b[1], b[2], now, me)]
        evidence = ledger.evidence_for_batches(conn, [str(b[0]) for b in dead])
    for batch_id, _claimed_by, _at, _count in dead:
        with ctx.engine.begin() as conn:
            if batch_id in evidence:
                report.resolved_by_evidence += ledger.finish_batch(
                    conn, batch_id, state="accepted", now=now, message_id=evidence[batch_id]
                )
                continue
            rows = ledger.batch_recipients(conn, batch_id)
            proven = provider.proof_of_delivery(month, [row.delivery_id for row in rows])
            ledger.finish_rows(
                conn,
                batch_id,
                [{"delivery_id": d, "state": "accepted", "at": now} for d in proven],
            )
            report.resolved_by_evidence += len(proven)
            if resend:
                report.resent_ambiguous += ledger.finish_batch(
                    conn, batch_id, state="queued", now=now, error="re-sent: ambiguous"
                )


# --- sending -------------------------------------------------------------------------------------


def deliver(
    ctx: Context,
    month: str,
    compiled: Mapping[Variant, CompiledVariant],
    provider: Provider | None,
    *,
    region: Region | None = None,
    language: Language | None = None,
    dry_run: bool = False,
    resend_ambiguous: bool = False,
    progress: Progress | None = None,
    worker_id: str | None = None,
) -> SendReport:
    """Plan and send compiled variants (send_edition after its approval check and compile)."""
    started = time.perf_counter()
    me = _worker_tag(worker_id)
    scope = (region.value if region else None, language.value if language else None)
    report = SendReport(
        edition=month,
        provider=provider.name if provider is not None else ctx.settings.provider,
        region=scope[0],
        language=scope[1],
        dry_run=dry_run,
        worker_id=me,
    )
    new, _withdrawn, skipped = _plan(ctx, month, region, language, dry_run)
    report.newly_planned = new
    report.skipped = dict(sorted(skipped.items()))
    with ctx.engine.connect() as conn:
        before = ledger.state_counts(conn, month, *scope)
    report.already_accepted = before.get("accepted", 0)
    if dry_run or provider is None:
        pending = new if dry_run else 0  # a dry run wrote nothing, so count what it would
        report.planned = sum(before.values()) + pending
        report.queued = before.get("queued", 0) + before.get("failed", 0) + pending
        report.ambiguous = before.get("sending", 0)
        report.seconds = time.perf_counter() - started
        return report
    with ctx.engine.begin() as conn:
        ledger_plan.requeue_failed(conn, month, *scope)
    _resolve_ambiguous(ctx, month, scope, provider, report=report, me=me, resend=resend_ambiguous)
    report.accepted += report.resolved_by_evidence
    with ctx.engine.connect() as conn:
        total = ledger.state_counts(conn, month, *scope).get("queued", 0)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(min(done, total), total)

    if progress is not None:
        progress(0, total)
    counts = LoopCounts()
    for variant in sorted(compiled, key=lambda v: v.key):
        if (region and variant.region != region) or (language and variant.language != language):
            continue
        sender = VariantSender(
            ctx, month, compiled[variant], provider, counts=counts, worker=me, tick=tick
        )
        try:
            if not sender.run():
                break
        finally:
            report.accepted += counts.accepted
            report.failed += counts.failed
            report.batches += counts.batches
            report.errors.extend(counts.errors)
            counts = LoopCounts()
    with ctx.engine.connect() as conn:
        after = ledger.state_counts(conn, month, *scope)
        sending = ledger.sending_batches(conn, month, *scope)
    report.planned = sum(after.values())
    report.queued = after.get("queued", 0)
    now = ctx.now()
    for _batch_id, claimed_by, sending_at, rows in sending:
        # ours (no answer came) or a dead sender's: ambiguous; a live sender's: its business
        if claimed_by != me and _alive(claimed_by, sending_at, now, me):
            report.in_flight_elsewhere += int(rows)
        else:
            report.ambiguous += int(rows)
    if region is None and language is None and set(after) == {"accepted"}:
        with ctx.engine.begin() as conn:  # the first complete send of the edition
            conn.execute(
                sa.update(editions)
                .where(editions.c.month == month, editions.c.sent_at.is_(None))
                .values(sent_at=ctx.now())
            )
    report.seconds = time.perf_counter() - started
    return report


def send_edition(
    ctx: Context,
    month: str,
    *,
    region: Region | None = None,
    language: Language | None = None,
    dry_run: bool = False,
    resend_ambiguous: bool = False,
    progress: Progress | None = None,
    worker_id: str | None = None,
) -> SendReport:
    """Send an approved edition to every active contact in scope, exactly once.

    Raises EditionNotApprovedError (not approved, or changed since approval) and
    ProviderAuthError (a 401/403 stops the send; nothing of the refused batch counts as sent)."""
    from mailer.pipeline.editions.check import compile_edition, require_approved

    require_approved(ctx, month)
    compiled = compile_edition(ctx, month)
    provider = None if dry_run else make_provider(ctx.settings)
    try:
        return deliver(
            ctx,
            month,
            compiled,
            provider,
            region=region,
            language=language,
            dry_run=dry_run,
            resend_ambiguous=resend_ambiguous,
            progress=progress,
            worker_id=worker_id,
        )
    finally:
        if provider is not None:
            provider.close()


def send_test(ctx: Context, month: str, to: str) -> list[SendOutcome]:
    """Each of the edition's variants once to `to`, outside the ledger (subject marked TEST)."""
    from mailer.pipeline.editions.check import compile_edition

    compiled = compile_edition(ctx, month)
    provider = make_provider(ctx.settings)
    people = RecipientFactory(ctx)
    outcomes = []
    try:
        for variant in sorted(compiled, key=lambda v: v.key):
            comp = compiled[variant]
            fi = variant.language is Language.FI
            recipient = people.make(
                f"test-{uuid.uuid4()}",
                0,  # a made-up recipient: contact id 0 exists in no register
                to,
                "Testi" if fi else "Test",
                "Vastaanottaja" if fi else "Mottagare",
                "VIP-verkosto" if fi else "VIP-nätverket",
                Role.SUPPORT.value,
            )
            message = personalise(comp, recipient, unsubscribe_headers(recipient))
            message = message.model_copy(update={"subject": f"[TEST {variant.key}] {comp.subject}"})
            outcomes.append(provider.send_message(message))
    finally:
        provider.close()
    return outcomes
