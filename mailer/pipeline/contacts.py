"""One contact at a time (show, reactivate, GDPR erase) and the register listing.

Addresses given on the command line are normalised like the register's keys, so
" Anna.Virtanen@Espoo.example" finds anna.virtanen@espoo.example.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy.engine import Connection

from mailer.config import Settings
from mailer.core.errors import ContactNotFoundError
from mailer.core.models import ContactStatus, Language, Region
from mailer.core.regions import find_municipality
from mailer.core.roster.rows import normalise_email
from mailer.pipeline.context import Context
from mailer.store import contacts as store
from mailer.store.erasure import erase_contact as erase_rows

__all__ = [
    "ContactDetails",
    "ContactListing",
    "ErasureReport",
    "Reactivation",
    "address_hash",
    "contact_details",
    "erase_contact",
    "is_spam_complaint",
    "list_contacts",
    "reactivate_contact",
    "register_summary",
    "unsubscribe_contact",
]


class ContactListing(BaseModel):
    id: int
    email: str
    first_name: str
    last_name: str
    organisation: str
    org_type: str
    municipality: str | None  # Finnish name (sv name in `municipality_sv`)
    municipality_sv: str | None
    municipality_code: str | None
    region: str
    language: str
    role: str
    title: str | None = None  # job title as the roster wrote it (always shown for `other`)
    status: ContactStatus
    status_reason: str | None
    soft_streak: int
    missing_since: datetime | None
    updated_at: datetime


class ContactDetails(ContactListing):
    created_at: datetime
    status_changed_at: datetime | None
    last_delivered_at: datetime | None
    sources: list[dict[str, Any]]  # file, line, imported_at
    history: list[dict[str, Any]]  # at, kind, old_status, new_status, note, actor, source


class ErasureReport(BaseModel):
    erased_at: datetime
    region: str
    deliveries: int  # ledger rows kept, anonymised
    events: int  # event rows kept, anonymised


def _listing(row: Any) -> dict[str, Any]:
    municipality = find_municipality(row["municipality"]) if row["municipality"] else None
    return {
        "id": row["id"],
        "email": row["email"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "organisation": row["organisation"],
        "org_type": row["org_type"],
        "municipality": municipality.name_fi if municipality else None,
        "municipality_sv": municipality.name_sv if municipality else None,
        "municipality_code": row["municipality"],
        "region": row["region"],
        "language": row["language"],
        "role": row["role"],
        "title": row["title"],
        "status": row["status"],
        "status_reason": row["status_reason"],
        "soft_streak": row["soft_streak"],
        "missing_since": row["missing_since"],
        "updated_at": row["updated_at"],
    }


def list_contacts(
    ctx: Context,
    *,
    region: Region | None = None,
    language: Language | None = None,
    status: ContactStatus | None = None,
) -> list[ContactListing]:
    with ctx.engine.connect() as conn:
        rows = store.list_contacts(
            conn,
            region=region.value if region else None,
            language=language.value if language else None,
            status=status.value if status else None,
        )
    return [ContactListing(**_listing(row)) for row in rows]


def register_summary(ctx: Context) -> dict[str, Any]:
    """Counts per status and per variant (region-language) of the active contacts."""
    with ctx.engine.connect() as conn:
        rows = store.list_contacts(conn)
    return {
        "contacts": len(rows),
        "by_status": dict(Counter(row["status"] for row in rows)),
        "active_by_variant": dict(
            sorted(
                Counter(
                    f"{row['region']}-{row['language']}"
                    for row in rows
                    if row["status"] == ContactStatus.ACTIVE.value
                ).items()
            )
        ),
        "missing_from_roster": sum(1 for row in rows if row["missing_since"] is not None),
    }


def _require(conn: Connection, email: str) -> Any:
    row = store.find_contact(conn, normalise_email(email))
    if row is None:
        raise ContactNotFoundError(email)
    return row


def contact_details(ctx: Context, email: str) -> ContactDetails:
    with ctx.engine.connect() as conn:
        row = _require(conn, email)
        sources = [dict(s) for s in store.sources_of(conn, row["id"])]
        history = [
            {key: h[key] for key in ("at", "kind", "old_status", "new_status", "note", "actor")}
            | {"source": h["source"]}
            for h in store.history_of(conn, row["id"])
        ]
    return ContactDetails(
        **_listing(row),
        created_at=row["created_at"],
        status_changed_at=row["status_changed_at"],
        last_delivered_at=row["last_delivered_at"],
        sources=sources,
        history=history,
    )


class Reactivation(StrEnum):
    REACTIVATED = "reactivated"
    ALREADY_ACTIVE = "already_active"
    SPAM_COMPLAINT = "spam_complaint"  # refused without force: they reported the letter as spam


def is_spam_complaint(last_unsubscribe: Any) -> bool:
    """Whether the history row that unsubscribed a contact (`store.latest_unsubscribe`) was a
    spam complaint (its source or note says so)."""
    if last_unsubscribe is None:
        return False
    text = f"{last_unsubscribe['source'] or ''} {last_unsubscribe['note'] or ''}".casefold()
    return "spamreport" in text or "spam report" in text


def _spam_complaint(conn: Connection, contact_id: int) -> bool:
    return is_spam_complaint(store.latest_unsubscribe(conn, contact_id))


def reactivate_contact(
    ctx: Context, email: str, *, note: str, by: str | None = None, force: bool = False
) -> Reactivation:
    """Set a stale or unsubscribed contact active again (an admin decision, with a note; the
    history stays). Someone whose unsubscribe was a spam complaint is only reactivated with
    `force`: mailing them again risks the sender's reputation and their trust."""
    with ctx.engine.begin() as conn:
        row = _require(conn, email)
        if row["status"] == ContactStatus.ACTIVE.value:
            return Reactivation.ALREADY_ACTIVE
        unsubscribed = row["status"] == ContactStatus.UNSUBSCRIBED.value
        if unsubscribed and not force and _spam_complaint(conn, row["id"]):
            return Reactivation.SPAM_COMPLAINT
        store.change_status(
            conn,
            row["id"],
            ContactStatus.ACTIVE,
            at=ctx.now(),
            kind="reactivated",
            note=note,
            actor=by,
            source="cli",
        )
    return Reactivation.REACTIVATED


def unsubscribe_contact(
    ctx: Context, email: str, *, note: str | None = None, by: str | None = None
) -> bool:
    """Stop a contact's letters without erasing them (they asked by phone or email, they left
    the post): status unsubscribed, with the note in the history. A roster import never
    clears it; `reactivate_contact` does. False when already unsubscribed."""
    with ctx.engine.begin() as conn:
        row = _require(conn, email)
        return store.change_status(
            conn,
            row["id"],
            ContactStatus.UNSUBSCRIBED,
            at=ctx.now(),
            kind="unsubscribed",
            reason="unsubscribed by a coordinator",
            note=note or "unsubscribed by a coordinator",
            actor=by,
            source="cli",
        )


def address_hash(settings: Settings, email: str) -> str:
    """A keyed hash (HMAC-SHA256 under MAILER_SECRET_KEY) of a normalised address: an erased
    person can be recognised at a later import without keeping their address. A different
    secret key no longer recognises earlier erasures."""
    key = settings.secret_key.get_secret_value().encode("utf-8")
    message = b"erased-address\x00" + normalise_email(email).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def erase_contact(ctx: Context, email: str) -> ErasureReport:
    """GDPR erasure: the person's data goes; the ledger and events stay anonymised and an
    `erasures` row keeps the region and counts. One transaction."""
    now = ctx.now()
    with ctx.engine.begin() as conn:
        row = _require(conn, email)
        digest = address_hash(ctx.settings, row["email"])
        counts = erase_rows(conn, row["id"], row["email"], now, digest)
    return ErasureReport(erased_at=now, region=row["region"], **counts)
