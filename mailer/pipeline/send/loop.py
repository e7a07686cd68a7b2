"""The send loop of one variant: claim a batch (committed `sending`), hand it to the provider,
finish it (committed `accepted`/`failed`). While batches are on the wire the next one is claimed
and prepared, so the database work and the provider's answer time overlap; at most
PIPELINE_DEPTH + 1 batches of a sender are in `sending` at once (on the wire, or being
prepared), all covered by the ambiguity rule after a crash."""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field

from mailer.core.errors import (
    DeliveryOutcomeUnknownError,
    PermanentProviderError,
    ProviderAuthError,
    TransientProviderError,
)
from mailer.core.models import CompiledVariant, DeliveryState, Recipient, SendOutcome
from mailer.core.tokens import PAGE_SALT, TokenMaker
from mailer.pipeline.context import Context
from mailer.providers import Batch, Provider
from mailer.store import ledger
from mailer.store.ledger import BatchRecipient, RowOutcome

__all__ = ["LoopCounts", "RecipientFactory", "VariantSender"]

# This many batches in a row failing after all retries means the provider is down: stop.
MAX_CONSECUTIVE_TRANSIENT = 3
# Requests on the wire at once per sender: the provider's answer time overlaps our preparing
# and recording of other batches (SendGrid takes concurrent requests; so does the fake).
PIPELINE_DEPTH = 2


class RecipientFactory:
    """Stage-2 inputs per ledger row: names from the register, a signed unsubscribe link and a
    signed link to the contact's own page (two fast HMACs per recipient, no database work)."""

    def __init__(self, ctx: Context) -> None:
        settings = ctx.settings
        secret = settings.secret_key.get_secret_value()
        self.token = TokenMaker(secret)
        self.page_token = TokenMaker(secret, PAGE_SALT)
        self.base = f"{settings.public_url}/u/"
        self.page_base = f"{settings.public_url}/p/"
        self.mailto = f"mailto:{settings.unsubscribe_mailto}?subject=unsubscribe-"

    def make(  # noqa: PLR0917 - hot path, called positionally per recipient
        self,
        delivery_id: str,
        token_key: str,
        email: str,
        first_name: str,
        last_name: str,
        organisation: str,
        role: str,
        title: str | None = None,
    ) -> Recipient:
        token = self.token(token_key)
        return Recipient(
            delivery_id=delivery_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            organisation=organisation,
            role=role,  # validated into Role by pydantic
            title=title,
            unsubscribe_url=self.base + token,
            unsubscribe_mailto=self.mailto + token,
            page_url=self.page_base + self.page_token(token_key),
        )

    def from_rows(self, rows: list[BatchRecipient]) -> tuple[Recipient, ...]:
        """Recipients of `ledger.batch_recipients` rows (tuple unpacking: a million attribute
        lookups cost seconds)."""
        make = self.make
        return tuple(
            make(delivery_id, token_key, email, first, last, org, role, title)
            for _pk, delivery_id, token_key, email, first, last, org, role, title in rows
        )


@dataclass
class LoopCounts:
    accepted: int = 0
    failed: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Claimed:
    batch_id: str
    size: int
    recipients: tuple[Recipient, ...]


class VariantSender:
    def __init__(
        self,
        ctx: Context,
        month: str,
        compiled: CompiledVariant,
        provider: Provider,
        *,
        counts: LoopCounts,
        worker: str,
        tick: Callable[[int], None],
    ) -> None:
        self.ctx, self.month, self.compiled, self.provider = ctx, month, compiled, provider
        self.counts, self.worker, self.tick = counts, worker, tick
        self.people = RecipientFactory(ctx)
        self.transient_in_a_row = 0
        self.requeued = False  # rows went back to the queue after the last claim found none

    def run(self) -> bool:
        """Send every queued row of the variant; False = the provider is down, stop the run."""
        inflight: deque[tuple[_Claimed, Future[list[SendOutcome]]]] = deque()
        nxt: _Claimed | None = None
        with ThreadPoolExecutor(max_workers=PIPELINE_DEPTH, thread_name_prefix="send") as pool:
            try:
                while True:
                    nxt = self._claim()
                    while inflight and (nxt is None or len(inflight) >= PIPELINE_DEPTH):
                        claimed, future = inflight.popleft()
                        if not self._settle(claimed, future):
                            return False
                    if nxt is None:
                        if self.requeued:  # a refused request gave rows back: claim again
                            self.requeued = False
                            continue
                        return True
                    batch = Batch(
                        batch_id=nxt.batch_id, compiled=self.compiled, recipients=nxt.recipients
                    )
                    inflight.append((nxt, pool.submit(self.provider.send_batch, batch)))
                    nxt = None
            finally:
                if nxt is not None:  # claimed, never handed over: provably not sent
                    self._finish_all(
                        nxt.batch_id, DeliveryState.QUEUED, "not sent: the run stopped"
                    )
                while inflight:  # stopping: still record what the provider answers
                    claimed, future = inflight.popleft()
                    with suppress(Exception):  # the first error is the one raised
                        self._settle(claimed, future)

    # --- steps ----------------------------------------------------------------------------------

    def _claim(self) -> _Claimed | None:
        ctx, variant = self.ctx, self.compiled.variant
        while True:
            batch_id = str(uuid.uuid4())
            with ctx.engine.begin() as conn:
                claimed = ledger.claim_batch(
                    conn,
                    batch_id=batch_id,
                    edition=self.month,
                    region=variant.region.value,
                    language=variant.language.value,
                    limit=ctx.settings.batch_size,
                    worker=self.worker,
                    now=ctx.now(),
                )
            if not claimed:
                return None
            self.counts.batches += 1
            with ctx.engine.connect() as conn:
                rows = ledger.batch_recipients(conn, batch_id)
            erased = rows.erased
            if erased:  # erased between claim and send: there is nobody to mail
                now = ctx.now()
                with ctx.engine.begin() as conn:
                    ledger.finish_rows(
                        conn,
                        batch_id,
                        [RowOutcome(d, DeliveryState.FAILED, now, error="erased") for d in erased],
                    )
                self.counts.failed += len(erased)
            recipients = self.people.from_rows(rows.recipients)
            if recipients:
                return _Claimed(batch_id, claimed, recipients)
            self.tick(claimed)

    def _finish_all(self, batch_id: str, state: DeliveryState, error: str | None) -> int:
        with self.ctx.engine.begin() as conn:
            return ledger.finish_batch(conn, batch_id, state=state, now=self.ctx.now(), error=error)

    def _settle(self, claimed: _Claimed, future: Future[list[SendOutcome]]) -> bool:
        where = f"{self.compiled.variant.key} batch {claimed.batch_id}"
        try:
            outcomes = future.result()
        except ProviderAuthError as err:  # a 401/403 sent nothing: back to the queue, stop
            self._finish_all(claimed.batch_id, DeliveryState.QUEUED, str(err))
            raise
        except PermanentProviderError as err:
            self.counts.errors.append(f"{where}: {err}")
            if self._isolate(claimed, err):
                return True
            self.counts.failed += self._finish_all(claimed.batch_id, DeliveryState.FAILED, str(err))
        except DeliveryOutcomeUnknownError as err:  # rows stay `sending`: ambiguous
            with self.ctx.engine.begin() as conn:
                ledger.release_batch(conn, claimed.batch_id, str(err))
            self.counts.errors.append(f"{where}: {err}")
        except TransientProviderError as err:
            self.counts.failed += self._finish_all(claimed.batch_id, DeliveryState.FAILED, str(err))
            self.counts.errors.append(f"{where}: {err}")
            self.transient_in_a_row += 1
            if self.transient_in_a_row >= MAX_CONSECUTIVE_TRANSIENT:
                self.counts.errors.append(
                    "stopped: the provider keeps failing; run `mailer send` again later"
                )
                self.tick(claimed.size)
                return False
        else:
            self.transient_in_a_row = 0
            self._record(claimed.batch_id, outcomes)
        self.tick(claimed.size)
        return True

    def _isolate(self, claimed: _Claimed, err: PermanentProviderError) -> bool:
        """A request refused because of some of its recipients (the provider named them): those
        fail with the provider's error, the others go back to the queue for another request
        (a refused request sent nothing, so this cannot send anyone twice). Each round fails at
        least one recipient, so a batch with several bad addresses still ends."""
        mine = {r.delivery_id for r in claimed.recipients}
        if not err.refused or not set(err.refused) <= mine:
            return False
        now = self.ctx.now()
        with self.ctx.engine.begin() as conn:
            ledger.finish_rows(
                conn,
                claimed.batch_id,
                [RowOutcome(d, DeliveryState.FAILED, now, error=str(err)) for d in err.refused],
            )
            ledger.finish_batch(
                conn,
                claimed.batch_id,
                state=DeliveryState.QUEUED,
                now=now,
                error="re-queued: another recipient of its request was refused",
            )
        self.counts.failed += len(err.refused)
        self.requeued = True
        self.tick(len(err.refused))  # the re-queued ones tick when their next request settles
        return True

    def _record(self, batch_id: str, outcomes: list[SendOutcome]) -> None:
        now = self.ctx.now()
        ids = {o.message_id for o in outcomes}
        with self.ctx.engine.begin() as conn:
            if outcomes and all(o.accepted for o in outcomes) and len(ids) == 1:
                self.counts.accepted += ledger.finish_batch(
                    conn, batch_id, state=DeliveryState.ACCEPTED, now=now, message_id=ids.pop()
                )
                return
            ledger.finish_rows(
                conn,
                batch_id,
                [
                    RowOutcome(
                        o.delivery_id,
                        DeliveryState.ACCEPTED if o.accepted else DeliveryState.FAILED,
                        now,
                        message_id=o.message_id,
                        error=o.error,
                    )
                    for o in outcomes
                ],
            )
            # every row has its own outcome now; the batch record is closed
            ledger.close_batch(conn, batch_id, now=now)
        self.counts.accepted += sum(1 for o in outcomes if o.accepted)
        self.counts.failed += sum(1 for o in outcomes if not o.accepted)
