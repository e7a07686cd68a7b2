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
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field

from mailer.errors import (
    DeliveryOutcomeUnknownError,
    PermanentProviderError,
    ProviderAuthError,
    TransientProviderError,
)
from mailer.models import (
    CompiledVariant,
    Language,
    Recipient,
    Region,
    Role,
    SendOutcome,
    Variant,
)
from mailer.pipeline.context import Context
from mailer.plan import Candidate, plan_deliveries
from mailer.providers import Batch, Provider, make_provider, unsubscribe_headers
from mailer.render import personalise
from mailer.store import ledger
from mailer.store.editions import editions
from mailer.tokens import make_unsubscribe_token

__all__ = ["SendReport", "deliver", "send_edition", "send_test"]

# A batch claimed by a process on another host counts as abandoned after this long (a live
# sender finishes a batch within its bounded retries long before).
LEASE = timedelta(minutes=15)
# This many batches in a row failing after all retries means the provider is down: stop.
MAX_CONSECUTIVE_TRANSIENT = 3

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
            rows = ledger.plan_candidate_chunk(conn, after=last, region=r, language=lang)
            if not rows:
                break
            last = rows[-1][0]
            existing = ledger.planned_states(conn, month, rows[0][0], last)
            plan = plan_deliveries(
                [Candidate(*row[:4]) for row in rows], existing, region=region, language=language
            )
            skipped.update(plan.skipped)
            new += plan.new_count
            if dry_run:
                continue
            email = {row[0]: row[4] for row in rows}
            now = ctx.now()
            ledger.insert_planned(
                conn,
                [
                    {
                        "delivery_id": str(uuid.uuid4()),
                        "edition": month,
                        "contact_id": cid,
                        "email": email[cid],
                        "region": variant.region.value,
                        "language": variant.language.value,
                        "state": "queued",
                        "attempts": 0,
                        "queued_at": now,
                    }
                    for variant, ids in plan.new.items()
                    for cid in ids
                ],
            )
            if plan.withdraw:
                withdrawn += ledger.withdraw_queued(conn, month, plan.withdraw)
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
    delivered = getattr(provider, "delivered", None)
    for batch_id, _claimed_by, _at, _count in dead:
        with ctx.engine.begin() as conn:
            if batch_id in evidence:
                report.resolved_by_evidence += ledger.finish_batch(
                    conn, batch_id, state="accepted", now=now, message_id=evidence[batch_id]
                )
                continue
            if callable(delivered):
                rows = ledger.batch_recipients(conn, batch_id)
                proven = delivered(month, [row.delivery_id for row in rows])
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


class _Recipients:
    """Stage-2 inputs per ledger row: names from the register, a signed unsubscribe link."""

    def __init__(self, ctx: Context) -> None:
        settings = ctx.settings
        self.secret = settings.secret_key.get_secret_value()
        self.base = f"{settings.public_url}/u/"
        self.mailto = f"mailto:{settings.unsubscribe_mailto}?subject=unsubscribe-"

    def make(self, row: Any, delivery_id: str | None = None) -> Recipient:
        token = make_unsubscribe_token(self.secret, int(row.contact_id))
        return Recipient(
            delivery_id=delivery_id or row.delivery_id,
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            organisation=row.organisation,
            role=Role(row.role),
            unsubscribe_url=self.base + token,
            unsubscribe_mailto=self.mailto + token,
        )


def _finish(ctx: Context, batch_id: str, outcomes: list[SendOutcome], report: SendReport) -> None:
    now = ctx.now()
    ids = {o.message_id for o in outcomes}
    with ctx.engine.begin() as conn:
        if outcomes and all(o.accepted for o in outcomes) and len(ids) == 1:
            report.accepted += ledger.finish_batch(
                conn, batch_id, state="accepted", now=now, message_id=ids.pop()
            )
            return
        ledger.finish_rows(
            conn,
            batch_id,
            [
                {
                    "delivery_id": o.delivery_id,
                    "state": "accepted" if o.accepted else "failed",
                    "message_id": o.message_id,
                    "error": o.error,
                    "at": now,
                }
                for o in outcomes
            ],
        )
        ledger.finish_batch(conn, batch_id, state="accepted", now=now)  # leftovers: none expected
    report.accepted += sum(1 for o in outcomes if o.accepted)
    report.failed += sum(1 for o in outcomes if not o.accepted)


def _send_variant(
    ctx: Context,
    month: str,
    compiled: CompiledVariant,
    provider: Provider,
    *,
    report: SendReport,
    me: str,
    tick: Callable[[int], None],
) -> bool:
    """Claim and send batches of one variant until none is left; False = stop the whole run."""
    variant = compiled.variant
    people = _Recipients(ctx)
    transient_in_a_row = 0
    while True:
        batch_id = str(uuid.uuid4())
        with ctx.engine.begin() as conn:
            claimed = ledger.claim_batch(
                conn,
                batch_id=batch_id,
                edition=month,
                region=variant.region.value,
                language=variant.language.value,
                limit=ctx.settings.batch_size,
                worker=me,
                now=ctx.now(),
            )
        if not claimed:
            return True
        report.batches += 1
        with ctx.engine.connect() as conn:
            rows = ledger.batch_recipients(conn, batch_id)
        recipients = tuple(people.make(row) for row in rows if row.email is not None)
        try:
            if len(recipients) < len(rows):  # erased between claim and send: nobody to mail
                with ctx.engine.begin() as conn:
                    erased = [r.delivery_id for r in rows if r.email is None]
                    now = ctx.now()
                    ledger.finish_rows(
                        conn,
                        batch_id,
                        [
                            {"delivery_id": d, "state": "failed", "error": "erased", "at": now}
                            for d in erased
                        ],
                    )
                    report.failed += len(erased)
            if recipients:
                outcomes = provider.send_batch(
                    Batch(batch_id=batch_id, compiled=compiled, recipients=recipients)
                )
                _finish(ctx, batch_id, outcomes, report)
            transient_in_a_row = 0
        except ProviderAuthError as err:
            with ctx.engine.begin() as conn:  # a 401/403 sent nothing: back to the queue
                ledger.finish_batch(conn, batch_id, state="queued", now=ctx.now(), error=str(err))
            raise
        except PermanentProviderError as err:
            with ctx.engine.begin() as conn:
                report.failed += ledger.finish_batch(
                    conn, batch_id, state="failed", now=ctx.now(), error=str(err)
                )
            report.errors.append(f"{variant.key} batch {batch_id}: {err}")
        except DeliveryOutcomeUnknownError as err:
            with ctx.engine.begin() as conn:
                ledger.release_batch(conn, batch_id, str(err))
            report.errors.append(f"{variant.key} batch {batch_id}: {err}")
        except TransientProviderError as err:
            with ctx.engine.begin() as conn:
                report.failed += ledger.finish_batch(
                    conn, batch_id, state="failed", now=ctx.now(), error=str(err)
                )
            report.errors.append(f"{variant.key} batch {batch_id}: {err}")
            transient_in_a_row += 1
            if transient_in_a_row >= MAX_CONSECUTIVE_TRANSIENT:
                report.errors.append("stopped: the provider keeps failing; run `send` again later")
                return False
        tick(claimed)


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
        ledger.requeue_failed(conn, month, *scope)
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
    for variant in sorted(compiled, key=lambda v: v.key):
        if (region and variant.region != region) or (language and variant.language != language):
            continue
        if not _send_variant(
            ctx, month, compiled[variant], provider, report=report, me=me, tick=tick
        ):
            break
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
    from mailer.pipeline.editions import compile_edition, require_approved

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
    from mailer.pipeline.editions import compile_edition

    compiled = compile_edition(ctx, month)
    provider = make_provider(ctx.settings)
    people = _Recipients(ctx)
    outcomes = []
    try:
        for variant in sorted(compiled, key=lambda v: v.key):
            comp = compiled[variant]
            row = _TestRow(to, variant)
            recipient = people.make(row, delivery_id=f"test-{uuid.uuid4()}")
            message = personalise(comp, recipient, unsubscribe_headers(recipient))
            message = message.model_copy(update={"subject": f"[TEST {variant.key}] {comp.subject}"})
            outcomes.append(provider.send_message(message))
    finally:
        provider.close()
    return outcomes


class _TestRow:
    """A made-up recipient for test sends (contact id 0 exists in no register)."""

    def __init__(self, email: str, variant: Variant) -> None:
        self.email = email
        self.contact_id = 0
        self.first_name = "Testi" if variant.language is Language.FI else "Test"
        self.last_name = "Vastaanottaja" if variant.language is Language.FI else "Mottagare"
        self.organisation = "VIP-verkosto" if variant.language is Language.FI else "VIP-nätverket"
        self.role = Role.SUPPORT.value
