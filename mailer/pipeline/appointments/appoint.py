"""The organisation's side of an appointment request: open the link, appoint one or two
people, and each appointee's confirmation, which makes them a PENDING contact of the
organisation for a coordinator to approve (the successor flow's approval list)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.engine import Connection

from mailer.core.accounts import AuditAction
from mailer.core.appointments.plan import key_of
from mailer.core.models import ContactStatus, Language, Role
from mailer.core.tokens import InvalidTokenError
from mailer.pipeline.appointments.letters import confirm_message
from mailer.pipeline.appointments.tokens import (
    CONFIRM_LIFETIME,
    make_confirm_token,
    read_confirm_token,
    read_request_token,
)
from mailer.pipeline.audit import record_in
from mailer.pipeline.context import Context
from mailer.pipeline.organisations import organisation_summaries
from mailer.providers.base import Provider
from mailer.store import appointments as store
from mailer.store import contacts as contacts_store
from mailer.store import register as register_store
from mailer.store.appointments import AppointeeRow, RequestRow

__all__ = [
    "Appointee",
    "ConfirmView",
    "confirm_appointee",
    "confirm_view",
    "open_request",
    "submit_appointees",
]


class Appointee(NamedTuple):
    """One person the form appoints (already validated by the web layer)."""

    first_name: str
    last_name: str
    email: str
    role: Role
    language: Language


class ConfirmView(NamedTuple):
    appointee: AppointeeRow
    request: RequestRow


def open_request(ctx: Context, token: str) -> RequestRow | None:
    """The request a link names, if it is ours, was sent, and has not ended. Unknown, forged
    and ended links all answer None: the page says the same for each (no enumeration)."""
    try:
        request_id = read_request_token(ctx.settings, token)
    except InvalidTokenError:
        return None
    with ctx.engine.connect() as conn:
        found = store.find_request(conn, request_id)
    if found is None or found.expires_at <= ctx.now():
        return None
    return found


def _actor(request: RequestRow) -> str:
    return f"organisation:{request.request_id[:8]}"


def submit_appointees(
    ctx: Context, request: RequestRow, people: list[Appointee], *, provider: Provider | None = None
) -> int:
    """Record the appointees and mail each a confirmation link in their language; returns how
    many letters the provider took."""
    now = ctx.now()
    with ctx.engine.begin() as conn:
        rows = [
            store.add_appointee(
                conn,
                request.id,
                first_name=p.first_name,
                last_name=p.last_name,
                email=p.email,
                role=p.role.value,
                language=p.language.value,
                at=now,
            )
            for p in people
        ]
        record_in(
            conn,
            now,
            actor=_actor(request),
            action=AuditAction.APPOINTED,
            target=request.organisation,
            detail=", ".join(f"{r.role} {r.email}" for r in rows),
        )
    return _send_confirmations(ctx, request, rows, provider)


def _send_confirmations(
    ctx: Context, request: RequestRow, rows: list[AppointeeRow], provider: Provider | None
) -> int:
    own = provider is None
    if provider is None:
        from mailer.providers import make_provider

        provider = make_provider(ctx.settings)
    base = ctx.settings.public_url.rstrip("/")
    taken = 0
    try:
        for row in rows:
            token = make_confirm_token(ctx.settings, row.confirm_key, now=ctx.now())
            message = confirm_message(
                ctx.settings,
                delivery_id=f"appointee-{uuid.uuid4()}",
                round_=request.round,
                region=request.key.region,
                language=Language(row.language),
                name=f"{row.first_name} {row.last_name}",
                organisation=request.organisation,
                email=row.email,
                link=f"{base}/appoint/confirm/{token}",
                until=ctx.now() + CONFIRM_LIFETIME,
                zone=ctx.zone,
            )
            taken += provider.send_message(message).accepted
    finally:
        if own:
            provider.close()
    return taken


def confirm_view(ctx: Context, token: str) -> ConfirmView | None:
    try:
        key = read_confirm_token(ctx.settings, token, now=ctx.now())
    except InvalidTokenError:
        return None
    with ctx.engine.connect() as conn:
        appointee = store.find_appointee(conn, key)
        if appointee is None:
            return None
        request = store.find_request_by_pk(conn, appointee.request_pk)
    return ConfirmView(appointee, request) if request else None


def _municipality(ctx: Context, request: RequestRow) -> str | None:
    for organisation in organisation_summaries(ctx, region=request.key.region):
        if key_of(organisation) == request.key:
            return organisation.municipality
    return None


def confirm_appointee(ctx: Context, view: ConfirmView) -> bool:
    """The appointee confirmed: a new PENDING contact of the organisation, or, if their address
    is in the register already, that contact as it is. False when the link was used before."""
    appointee, request = view
    if appointee.confirmed_at is not None:
        return False
    municipality = _municipality(ctx, request)
    now = ctx.now()
    with ctx.engine.begin() as conn:
        contact_id = _pending_contact(conn, appointee, request, municipality, now)
        if not store.confirm_appointee(conn, appointee.id, contact_id=contact_id, at=now):
            return False
        record_in(
            conn,
            now,
            actor=_actor(request),
            action=AuditAction.APPOINTMENT_CONFIRMED,
            target=appointee.email,
            detail=request.organisation,
        )
    return True


def _pending_contact(
    conn: Connection,
    appointee: AppointeeRow,
    request: RequestRow,
    municipality: str | None,
    now: datetime,
) -> int:
    existing = contacts_store.find_contact(conn, appointee.email)
    if existing is None:
        row = (
            appointee.email,
            appointee.first_name,
            appointee.last_name,
            request.organisation,
            request.key.org_type,
            municipality,
            request.key.region.value,
            appointee.language,
            appointee.role,
            None,
        )
        contact_id = register_store.insert_contacts(conn, [row], now)[appointee.email]
    else:
        # Someone already in the register (active elsewhere, or unsubscribed, retired or stale)
        # keeps their status and history: marking them pending would let a rejection delete
        # the record, unsubscribe and all. The audit entry and the requests page show the
        # confirmation; a coordinator reactivates them on their contact page if that is right.
        return int(existing["id"])
    contacts_store.change_status(
        conn,
        contact_id,
        ContactStatus.PENDING,
        at=now,
        kind="appointed",
        reason=f"appointed by {request.organisation}; awaiting a coordinator's approval",
        source="appointment",
        actor=_actor(request),
    )
    return int(contact_id)
