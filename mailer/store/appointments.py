"""Queries for appointments: organisations' addresses, the request ledger, the appointees."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from mailer.core.appointments.plan import AddressEntry, RequestTarget
from mailer.core.models import DeliveryState, Region
from mailer.core.register.organisations import OrganisationKey
from mailer.store.tables import appointees, appointment_requests, organisation_addresses

__all__ = [
    "AppointeeRow",
    "RequestRow",
    "add_appointee",
    "appointees_of",
    "claim_request",
    "confirm_appointee",
    "find_appointee",
    "find_request",
    "find_request_by_pk",
    "finish_request",
    "list_requests",
    "load_addresses",
    "queue_requests",
    "queued_requests",
    "requested_keys",
    "save_addresses",
]

_r = appointment_requests.c
_a = appointees.c
_o = organisation_addresses.c


class RequestRow(NamedTuple):
    id: int
    request_id: str
    round: str
    key: OrganisationKey
    organisation: str
    email: str
    state: DeliveryState
    attempts: int
    last_error: str | None
    requested_by: str
    queued_at: datetime
    accepted_at: datetime | None
    expires_at: datetime


class AppointeeRow(NamedTuple):
    id: int
    request_pk: int
    first_name: str
    last_name: str
    email: str
    role: str
    language: str
    appointed_at: datetime
    confirm_key: str
    confirmed_at: datetime | None
    contact_id: int | None


def _key(row: sa.RowMapping) -> OrganisationKey:
    return OrganisationKey(Region(row["region"]), row["org_type"], row["org_key"])


def _request(row: sa.RowMapping) -> RequestRow:
    return RequestRow(
        id=row["id"],
        request_id=row["request_id"],
        round=row["round"],
        key=_key(row),
        organisation=row["organisation"],
        email=row["email"],
        state=DeliveryState(row["state"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        requested_by=row["requested_by"],
        queued_at=row["queued_at"],
        accepted_at=row["accepted_at"],
        expires_at=row["expires_at"],
    )


# --- addresses ------------------------------------------------------------------------------------


def save_addresses(conn: Connection, entries: Iterable[AddressEntry], *, at: datetime) -> int:
    """Upsert each organisation's address (the latest roster wins); returns how many changed."""
    changed = 0
    for entry in entries:
        where = sa.and_(
            _o.region == entry.key.region.value,
            _o.org_type == entry.key.org_type,
            _o.org_key == entry.key.name,
        )
        values = {"organisation": entry.organisation, "email": entry.email, "source": entry.source}
        current = conn.execute(sa.select(_o.email).where(where)).scalar_one_or_none()
        if current is None:
            conn.execute(
                organisation_addresses.insert().values(
                    region=entry.key.region.value,
                    org_type=entry.key.org_type,
                    org_key=entry.key.name,
                    updated_at=at,
                    **values,
                )
            )
            changed += 1
        elif current != entry.email:
            update = organisation_addresses.update().where(where)
            conn.execute(update.values(updated_at=at, **values))
            changed += 1
    return changed


def load_addresses(conn: Connection) -> dict[OrganisationKey, AddressEntry]:
    rows = conn.execute(sa.select(organisation_addresses)).mappings()
    return {
        _key(r): AddressEntry(_key(r), r["organisation"], r["email"], r["source"]) for r in rows
    }


# --- the request ledger ---------------------------------------------------------------------------


def requested_keys(conn: Connection, round_: str) -> set[OrganisationKey]:
    rows = conn.execute(sa.select(appointment_requests).where(_r.round == round_)).mappings()
    return {_key(r) for r in rows}


def queue_requests(
    conn: Connection,
    targets: Iterable[RequestTarget],
    *,
    round_: str,
    at: datetime,
    expires_at: datetime,
    by: str,
    new_id: Callable[[], str],
) -> list[RequestTarget]:
    """Queue one request per target not yet asked this round; returns the targets queued. A
    target another run queued since this one planned is skipped, not an error: the unique
    (round, organisation) key decides (ON CONFLICT DO NOTHING, which on PostgreSQL waits for
    that run's transaction and on SQLite for its write lock), so nobody is asked twice."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    queued = []
    for t in targets:
        row = {
            "request_id": new_id(),
            "round": round_,
            "region": t.key.region.value,
            "org_type": t.key.org_type,
            "org_key": t.key.name,
            "organisation": t.organisation,
            "email": t.email,
            "state": DeliveryState.QUEUED.value,
            "requested_by": by,
            "queued_at": at,
            "expires_at": expires_at,
        }
        stmt = dialect.insert(appointment_requests).values(**row)
        stmt = stmt.on_conflict_do_nothing(
            index_elements=["round", "region", "org_type", "org_key"]
        )
        # RETURNING, not rowcount: the row comes back only when it was inserted, on both backends
        if conn.execute(stmt.returning(_r.id)).first() is not None:
            queued.append(t)
    return queued


def queued_requests(conn: Connection, round_: str | None = None) -> list[RequestRow]:
    query = sa.select(appointment_requests).where(_r.state == DeliveryState.QUEUED.value)
    if round_ is not None:
        query = query.where(_r.round == round_)
    return [_request(r) for r in conn.execute(query.order_by(_r.id)).mappings()]


def claim_request(conn: Connection, pk: int, *, at: datetime) -> bool:
    """queued -> sending; False when another process claimed it first."""
    result = conn.execute(
        appointment_requests.update()
        .where(_r.id == pk, _r.state == DeliveryState.QUEUED.value)
        .values(state=DeliveryState.SENDING.value, sending_at=at, attempts=_r.attempts + 1)
    )
    return result.rowcount == 1


def finish_request(
    conn: Connection,
    pk: int,
    state: DeliveryState,
    *,
    at: datetime,
    message_id: str | None = None,
    error: str | None = None,
) -> None:
    values: dict[str, object] = {"state": state.value, "last_error": error}
    if state is DeliveryState.ACCEPTED:
        values |= {"accepted_at": at, "message_id": message_id}
    elif state is DeliveryState.FAILED:
        values["failed_at"] = at
    conn.execute(appointment_requests.update().where(_r.id == pk).values(**values))


def list_requests(
    conn: Connection, *, region: Region | None = None, limit: int | None = None
) -> list[RequestRow]:
    query = sa.select(appointment_requests).order_by(_r.queued_at.desc(), _r.id.desc())
    if limit is not None:
        query = query.limit(limit)
    if region is not None:
        query = query.where(_r.region == region.value)
    return [_request(r) for r in conn.execute(query).mappings()]


def find_request_by_pk(conn: Connection, pk: int) -> RequestRow | None:
    row = conn.execute(sa.select(appointment_requests).where(_r.id == pk)).mappings().first()
    return _request(row) if row else None


def find_request(conn: Connection, request_id: str) -> RequestRow | None:
    row = (
        conn.execute(sa.select(appointment_requests).where(_r.request_id == request_id))
        .mappings()
        .first()
    )
    return _request(row) if row else None


# --- appointees ---------------------------------------------------------------------------------


def _appointee(row: sa.RowMapping) -> AppointeeRow:
    return AppointeeRow(**{f: row[f] for f in AppointeeRow._fields})


def add_appointee(
    conn: Connection,
    request_pk: int,
    *,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    language: str,
    at: datetime,
) -> AppointeeRow:
    """Record one appointee (appointing the same address twice updates the first)."""
    where = sa.and_(_a.request_pk == request_pk, _a.email == email)
    values = {
        "first_name": first_name,
        "last_name": last_name,
        "role": role,
        "language": language,
        "appointed_at": at,
    }
    if conn.execute(sa.select(_a.id).where(where)).first() is None:
        conn.execute(
            appointees.insert().values(
                request_pk=request_pk,
                email=email,
                confirm_key=secrets.token_urlsafe(24),
                **values,
            )
        )
    else:
        conn.execute(appointees.update().where(where, _a.confirmed_at.is_(None)).values(**values))
    return _appointee(conn.execute(sa.select(appointees).where(where)).mappings().one())


def appointees_of(conn: Connection, request_pks: Iterable[int]) -> list[AppointeeRow]:
    wanted = list(request_pks)
    if not wanted:
        return []
    query = sa.select(appointees).where(_a.request_pk.in_(wanted)).order_by(_a.id)
    return [_appointee(r) for r in conn.execute(query).mappings()]


def find_appointee(conn: Connection, confirm_key: str) -> AppointeeRow | None:
    row = (
        conn.execute(sa.select(appointees).where(_a.confirm_key == confirm_key)).mappings().first()
    )
    return _appointee(row) if row else None


def confirm_appointee(conn: Connection, pk: int, *, contact_id: int, at: datetime) -> bool:
    result = conn.execute(
        appointees.update()
        .where(_a.id == pk, _a.confirmed_at.is_(None))
        .values(confirmed_at=at, contact_id=contact_id)
    )
    return result.rowcount == 1
