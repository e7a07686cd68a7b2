"""Asking organisations without a working VIPU contact to appoint one.

`request_appointments` plans (pure: core/appointments/plan.py), queues one request per
organisation and round in the request ledger (its unique key makes the queueing exactly-once
across runs and processes: an organisation another run queued after this one planned is skipped
and reported as `requested_meanwhile`, never an error), then sends every queued request through
the configured provider:
each row is claimed queued -> sending before the provider is called and finished accepted or
failed after, like a letter's ledger row. A crash between the two leaves the row in `sending`,
which is never sent again automatically (it may have gone out); `mailer organisations
requests` shows it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import NamedTuple

from pydantic import BaseModel

from mailer.core.accounts import AuditAction
from mailer.core.appointments.plan import RequestPlan, RequestTarget, plan_requests
from mailer.core.errors import PermanentProviderError, ProviderError
from mailer.core.models import DeliveryState, Region
from mailer.pipeline.appointments.letters import request_message
from mailer.pipeline.appointments.tokens import make_request_token
from mailer.pipeline.audit import record_in
from mailer.pipeline.context import Context
from mailer.pipeline.organisations import organisation_summaries
from mailer.providers.base import Provider
from mailer.store import appointments as store
from mailer.store.appointments import RequestRow

__all__ = [
    "REQUEST_LIFETIME",
    "PlannedRound",
    "RequestReport",
    "RequestWithAppointees",
    "SentRequest",
    "appointment_link",
    "list_requests",
    "plan_round",
    "request_appointments",
    "requests_with_appointees",
    "run_planned",
    "send_queued",
]

# The organisation's link stays good for a month: registry offices forward mail to the right
# person, who may take a while to answer.
REQUEST_LIFETIME = timedelta(days=30)


class SentRequest(BaseModel):
    organisation: str
    region: Region
    email: str
    state: DeliveryState
    error: str | None = None


class RequestReport(BaseModel):
    round: str
    dry_run: bool
    to_request: list[SentRequest]  # planned (dry run) or queued by this run
    sent: list[SentRequest]  # every queued request this run tried to send
    without_address: list[str]  # organisations to chase by hand
    already_asked: list[str]
    underway: list[str]
    # planned by this run, but another run (a second coordinator, the CLI) queued them first
    requested_meanwhile: list[str] = []


class PlannedRound(NamedTuple):
    """What a run decided to do, before it queues anything."""

    round: str
    at: datetime
    plan: RequestPlan


class _Names(NamedTuple):
    without_address: list[str]
    already_asked: list[str]
    underway: list[str]


def _names(plan: RequestPlan) -> _Names:
    return _Names(
        [o.name for o in plan.without_address],
        [o.name for o in plan.already_asked],
        [o.name for o in plan.underway],
    )


def appointment_link(ctx: Context, request_id: str) -> str:
    token = make_request_token(ctx.settings, request_id)
    return f"{ctx.settings.public_url.rstrip('/')}/appoint/{token}"


def _round(ctx: Context, now: datetime) -> str:
    local = now.astimezone(ctx.zone)
    return f"{local.year:04d}-{local.month:02d}"


def plan_round(ctx: Context, *, region: Region | None = None) -> PlannedRound:
    """This round's plan: who to ask (no active contact, an address, not asked this round)."""
    now = ctx.now()
    round_ = _round(ctx, now)
    organisations = organisation_summaries(ctx, region=region)
    with ctx.engine.connect() as conn:
        plan = plan_requests(
            organisations, store.load_addresses(conn), store.requested_keys(conn, round_)
        )
    return PlannedRound(round_, now, plan)


def _queue(ctx: Context, planned: PlannedRound, actor: str) -> list[RequestTarget]:
    now = planned.at
    with ctx.engine.begin() as conn:
        queued = store.queue_requests(
            conn,
            planned.plan.targets,
            round_=planned.round,
            at=now,
            expires_at=now + REQUEST_LIFETIME,
            by=actor,
            new_id=lambda: str(uuid.uuid4()),
        )
        for target in queued:
            record_in(
                conn,
                now,
                actor=actor,
                action=AuditAction.APPOINTMENT_REQUESTED,
                target=target.organisation,
                detail=target.email,
            )
    return queued


def _planned(targets: list[RequestTarget]) -> list[SentRequest]:
    return [
        SentRequest(
            organisation=t.organisation,
            region=t.key.region,
            email=t.email,
            state=DeliveryState.QUEUED,
        )
        for t in targets
    ]


def run_planned(
    ctx: Context,
    planned: PlannedRound,
    *,
    dry_run: bool = False,
    actor: str = "cli",
    provider: Provider | None = None,
) -> RequestReport:
    """Queue and send what `planned` says (a dry run only reports it). Targets another run
    queued since the plan are skipped and named in `requested_meanwhile`."""
    targets = planned.plan.targets
    queued = targets if dry_run else _queue(ctx, planned, actor)
    taken = {t.key for t in queued}
    sent = [] if dry_run else send_queued(ctx, provider=provider, round_=planned.round)
    names = _names(planned.plan)
    return RequestReport(
        round=planned.round,
        dry_run=dry_run,
        to_request=_planned(queued),
        sent=sent,
        without_address=names.without_address,
        already_asked=names.already_asked,
        underway=names.underway,
        requested_meanwhile=[t.organisation for t in targets if t.key not in taken],
    )


def request_appointments(
    ctx: Context,
    *,
    region: Region | None = None,
    dry_run: bool = False,
    actor: str = "cli",
    provider: Provider | None = None,
) -> RequestReport:
    """Plan, queue and send this round's requests (a dry run only plans)."""
    planned = plan_round(ctx, region=region)
    return run_planned(ctx, planned, dry_run=dry_run, actor=actor, provider=provider)


def _send_one(ctx: Context, provider: Provider, row: RequestRow) -> SentRequest:
    with ctx.engine.begin() as conn:
        if not store.claim_request(conn, row.id, at=ctx.now()):
            return SentRequest(
                organisation=row.organisation, region=row.key.region, email=row.email,
                state=DeliveryState.SENDING, error="claimed by another run",
            )  # fmt: skip
    message = request_message(
        ctx.settings,
        request_id=row.request_id,
        round_=row.round,
        region=row.key.region,
        organisation=row.organisation,
        email=row.email,
        link=appointment_link(ctx, row.request_id),
        until=row.expires_at,
        zone=ctx.zone,
    )
    state, error, message_id = DeliveryState.FAILED, None, None
    try:
        outcome = provider.send_message(message)
        if outcome.accepted:
            state, message_id = DeliveryState.ACCEPTED, outcome.message_id
        elif not outcome.permanent:
            state, error = DeliveryState.QUEUED, outcome.error  # a later run tries again
        else:
            error = outcome.error
    except PermanentProviderError as err:
        error = str(err)
    except ProviderError as err:
        state, error = DeliveryState.QUEUED, str(err)
    with ctx.engine.begin() as conn:
        store.finish_request(conn, row.id, state, at=ctx.now(), message_id=message_id, error=error)
    return SentRequest(
        organisation=row.organisation,
        region=row.key.region,
        email=row.email,
        state=state,
        error=error,
    )


def send_queued(
    ctx: Context, *, provider: Provider | None = None, round_: str | None = None
) -> list[SentRequest]:
    """Send every queued request (of one round); returns each one's outcome."""
    with ctx.engine.connect() as conn:
        queued = store.queued_requests(conn, round_)
    if not queued:
        return []
    own = provider is None
    if provider is None:
        from mailer.providers import make_provider

        provider = make_provider(ctx.settings)
    try:
        return [_send_one(ctx, provider, row) for row in queued]
    finally:
        if own:
            provider.close()


def list_requests(ctx: Context, *, region: Region | None = None) -> list[RequestRow]:
    with ctx.engine.connect() as conn:
        return store.list_requests(conn, region=region)


class RequestWithAppointees(NamedTuple):
    request: RequestRow
    appointees: list[store.AppointeeRow]


def requests_with_appointees(ctx: Context, *, limit: int = 200) -> list[RequestWithAppointees]:
    """The newest requests (at most `limit`) with the people each organisation appointed."""
    with ctx.engine.connect() as conn:
        found = store.list_requests(conn, limit=limit)
        people = store.appointees_of(conn, [r.id for r in found])
    by_request: dict[int, list[store.AppointeeRow]] = {}
    for person in people:
        by_request.setdefault(person.request_pk, []).append(person)
    return [RequestWithAppointees(r, by_request.get(r.id, [])) for r in found]
