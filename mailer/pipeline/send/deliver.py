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
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

from pydantic import BaseModel, Field

from mailer.core.models import (
    CompiledVariant,
    DeliveryState,
    Language,
    Region,
    Variant,
)
from mailer.pipeline.context import Context
from mailer.pipeline.send.loop import LoopCounts, VariantSender
from mailer.pipeline.send.planning import plan_ledger
from mailer.providers import Provider, make_provider
from mailer.store import ledger, ledger_plan
from mailer.store.editions import mark_sent

__all__ = ["SendReport", "deliver", "send_edition"]

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
    1. a stored delivery event (any type) that carries the delivery id of a row of its batch, or
       an sg_message_id starting with the batch's X-Message-Id, proves SendGrid accepted the
       whole request -> every row of the batch becomes `accepted` (an event linked by address
       alone proves nothing: events.linked_by);
    2. for the outbox, the letter's .eml file (or index line) proves that row -> `accepted`;
    3. the rest stays `sending` and is reported as ambiguous; only `--resend-ambiguous` queues
       it again (it may then arrive twice). Rows of a sender that is still running are left to
       it and reported as in flight."""
    now = ctx.now()
    with ctx.engine.connect() as conn:
        batches = ledger.sending_batches(conn, month, *scope)
        dead = [b for b in batches if not _alive(b.claimed_by, b.sending_at, now, me)]
        evidence = ledger.evidence_for_batches(conn, [b.batch_id for b in dead])
    for batch_id in (b.batch_id for b in dead):
        with ctx.engine.begin() as conn:
            if batch_id in evidence:
                report.resolved_by_evidence += ledger.finish_batch(
                    conn,
                    batch_id,
                    state=DeliveryState.ACCEPTED,
                    now=now,
                    message_id=evidence[batch_id],
                )
                continue
            rows = ledger.batch_recipients(conn, batch_id)
            ids = [row.delivery_id for row in rows.recipients] + rows.erased
            proven = provider.proof_of_delivery(month, ids)
            ledger.finish_rows(
                conn,
                batch_id,
                [ledger.RowOutcome(d, DeliveryState.ACCEPTED, now) for d in proven],
            )
            report.resolved_by_evidence += len(proven)
            if resend:
                report.resent_ambiguous += ledger.finish_batch(
                    conn, batch_id, state=DeliveryState.QUEUED, now=now, error="re-sent: ambiguous"
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
    """Plan and send compiled variants (send_edition after its approval check and compile):
    plan, resolve what a crashed run left ambiguous, send the variants, summarise."""
    started = time.perf_counter()
    me = _worker_tag(worker_id)
    scope = _Scope(region, language)
    report = SendReport(
        edition=month,
        provider=provider.name if provider is not None else ctx.settings.provider,
        region=scope.region_value,
        language=scope.language_value,
        dry_run=dry_run,
        worker_id=me,
    )
    new = _plan_report(ctx, month, scope, report, dry_run=dry_run)
    with ctx.engine.connect() as conn:
        before = ledger.state_counts(conn, month, *scope.values)
    report.already_accepted = before.get(DeliveryState.ACCEPTED, 0)
    if dry_run or provider is None:
        _summarise_unsent(report, before, pending=new if dry_run else 0)
    else:
        with ctx.engine.begin() as conn:
            ledger_plan.requeue_failed(conn, month, *scope.values)
        _resolve_ambiguous(
            ctx, month, scope.values, provider, report=report, me=me, resend=resend_ambiguous
        )
        report.accepted += report.resolved_by_evidence
        _send_variants(
            ctx, month, compiled, provider, scope=scope, report=report, me=me, progress=progress
        )
        _summarise(ctx, month, scope, report, me=me)
    report.seconds = time.perf_counter() - started
    return report


class _Scope(NamedTuple):
    """The region and language a send is limited to (None: all)."""

    region: Region | None
    language: Language | None

    @property
    def region_value(self) -> str | None:
        return self.region.value if self.region else None

    @property
    def language_value(self) -> str | None:
        return self.language.value if self.language else None

    @property
    def values(self) -> tuple[str | None, str | None]:
        return self.region_value, self.language_value

    def covers(self, variant: Variant) -> bool:
        return (self.region is None or variant.region == self.region) and (
            self.language is None or variant.language == self.language
        )


def _plan_report(
    ctx: Context, month: str, scope: _Scope, report: SendReport, *, dry_run: bool
) -> int:
    """Plan the ledger (a dry run only counts); returns the number of new rows."""
    new, _withdrawn, skipped = plan_ledger(ctx, month, scope.region, scope.language, dry_run)
    report.newly_planned = new
    report.skipped = dict(sorted(skipped.items()))
    return new


def _summarise_unsent(
    report: SendReport, before: Mapping[DeliveryState, int], *, pending: int
) -> None:
    """The ledger as it stands, for a run that sends nothing (a dry run: `pending` rows it
    would have planned count as planned and queued)."""
    report.planned = sum(before.values()) + pending
    report.queued = (
        before.get(DeliveryState.QUEUED, 0) + before.get(DeliveryState.FAILED, 0) + pending
    )
    report.ambiguous = before.get(DeliveryState.SENDING, 0)


def _send_variants(
    ctx: Context,
    month: str,
    compiled: Mapping[Variant, CompiledVariant],
    provider: Provider,
    *,
    scope: _Scope,
    report: SendReport,
    me: str,
    progress: Progress | None,
) -> None:
    """Send each variant in scope until its queue is empty or the run must stop, counting into
    `report` and telling `progress` (done, total) as batches finish."""
    with ctx.engine.connect() as conn:
        total = ledger.state_counts(conn, month, *scope.values).get(DeliveryState.QUEUED, 0)
    tick = _progress_ticker(progress, total)
    for variant in sorted(compiled, key=lambda v: v.key):
        if not scope.covers(variant):
            continue
        counts = LoopCounts()
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


def _progress_ticker(progress: Progress | None, total: int) -> Callable[[int], None]:
    """A callback adding n finished recipients and telling `progress` (done, total)."""
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(min(done, total), total)

    if progress is not None:
        progress(0, total)
    return tick


def _summarise(ctx: Context, month: str, scope: _Scope, report: SendReport, *, me: str) -> None:
    """The ledger after the run: planned, still queued, ambiguous or in flight elsewhere; the
    edition is marked sent at its first complete send."""
    with ctx.engine.connect() as conn:
        after = ledger.state_counts(conn, month, *scope.values)
        sending = ledger.sending_batches(conn, month, *scope.values)
    report.planned = sum(after.values())
    report.queued = after.get(DeliveryState.QUEUED, 0)
    now = ctx.now()
    for batch in sending:
        # ours (no answer came) or a dead sender's: ambiguous; a live sender's: its business
        if batch.claimed_by != me and _alive(batch.claimed_by, batch.sending_at, now, me):
            report.in_flight_elsewhere += batch.rows
        else:
            report.ambiguous += batch.rows
    if scope.region is None and scope.language is None and set(after) == {DeliveryState.ACCEPTED}:
        with ctx.engine.begin() as conn:  # the first complete send of the edition
            mark_sent(conn, month, ctx.now())


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
    from mailer.pipeline.archive import record_sent
    from mailer.pipeline.editions.check import compile_approved_revision

    # the approved revision, whatever was saved since
    revision, compiled = compile_approved_revision(ctx, month)
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
            # what the public archive shows (also after a run stopped half-way: its accepted
            # letters are out)
            record_sent(ctx, month, revision, compiled)
