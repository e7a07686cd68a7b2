"""The workspace's register: the filtered, paged list and one contact's record (details,
provenance, history of status changes and edits, deliveries per edition, events, audit entries).

Each view is one read transaction, so the figures of a page agree with each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.engine import RowMapping

from mailer.core.models import ContactStatus, Language, OrgType, Region, Role
from mailer.pipeline.contacts import is_spam_complaint
from mailer.pipeline.context import Context
from mailer.store import contacts as contact_store
from mailer.store import register_search as search
from mailer.store import reports as queries

__all__ = [
    "ContactRecord",
    "RegisterFilter",
    "RegisterPage",
    "RegisterRow",
    "contact_record",
    "contact_target",
    "register_page",
    "register_rows",
]


def contact_target(contact_id: int) -> str:
    """How audit entries name a contact: by id, never by address (an erasure removes the
    address from the register; the audit log keeps no copy of it)."""
    return f"contact:{contact_id}"


class RegisterFilter(NamedTuple):
    search: str = ""
    region: Region | None = None
    language: Language | None = None
    status: ContactStatus | None = None
    role: Role | None = None
    org_type: OrgType | None = None
    suspect: bool = False
    missing: bool = False

    def is_empty(self) -> bool:
        return self == RegisterFilter()


class RegisterRow(NamedTuple):
    id: int
    email: str
    first_name: str
    last_name: str
    organisation: str
    org_type: str
    municipality: str | None
    region: str
    language: str
    role: str
    title: str | None
    status: str
    status_reason: str | None
    status_changed_at: datetime | None
    soft_streak: int
    missing_since: datetime | None
    updated_at: datetime
    suspect: bool  # active, with soft failures in as many editions as the policy's threshold

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class RegisterPage(NamedTuple):
    total: int
    rows: list[RegisterRow]


class ContactRecord(NamedTuple):
    contact: RegisterRow
    created_at: datetime
    last_delivered_at: datetime | None
    sources: Sequence[RowMapping]  # source, line, imported_at
    history: Sequence[RowMapping]  # newest first: status changes, edits, notes
    deliveries: Sequence[RowMapping]  # per edition, newest first
    events: Sequence[RowMapping]  # newest first, at most 50
    audit: Sequence[RowMapping]  # entries about this contact, newest first
    spam_complaint: bool  # unsubscribed by a spam complaint: reactivation needs an override


def _threshold(ctx: Context) -> int:
    # The bounce policy's own threshold (settings.policy), so the page and the reports agree.
    return ctx.settings.policy.soft_editions_to_suspect


def _query(ctx: Context, chosen: RegisterFilter) -> search.RegisterQuery:
    def value(member: object) -> str | None:
        return getattr(member, "value", None)

    return search.RegisterQuery(
        search=chosen.search or None,
        region=value(chosen.region),
        language=value(chosen.language),
        status=value(chosen.status),
        role=value(chosen.role),
        org_type=value(chosen.org_type),
        suspect_streak=_threshold(ctx) if chosen.suspect else None,
        missing=chosen.missing,
    )


def _row(row: RowMapping, threshold: int) -> RegisterRow:
    suspect = row["status"] == ContactStatus.ACTIVE.value and row["soft_streak"] >= threshold
    return RegisterRow(**{name: row[name] for name in RegisterRow._fields[:-1]}, suspect=suspect)


def register_page(ctx: Context, chosen: RegisterFilter, *, offset: int, limit: int) -> RegisterPage:
    with ctx.engine.connect() as conn:
        total, rows = search.page_of(conn, _query(ctx, chosen), offset=offset, limit=limit)
    threshold = _threshold(ctx)
    return RegisterPage(total, [_row(r, threshold) for r in rows])


def register_rows(ctx: Context, chosen: RegisterFilter) -> list[RegisterRow]:
    """Every contact the filter matches (exports)."""
    with ctx.engine.connect() as conn:
        rows = search.matching(conn, _query(ctx, chosen))
    threshold = _threshold(ctx)
    return [_row(r, threshold) for r in rows]


def contact_record(ctx: Context, contact_id: int) -> ContactRecord | None:
    with ctx.engine.connect() as conn:
        contact, history, sent, seen = queries.contact_detail(conn, contact_id)
        if contact is None:
            return None
        sources = contact_store.sources_of(conn, contact_id)
        audit = search.audit_about(conn, contact_target(contact_id))
        last_unsubscribe = contact_store.latest_unsubscribe(conn, contact_id)
    unsubscribed = contact["status"] == ContactStatus.UNSUBSCRIBED.value
    return ContactRecord(
        contact=_row(contact, _threshold(ctx)),
        created_at=contact["created_at"],
        last_delivered_at=contact["last_delivered_at"],
        sources=sources,
        history=history,
        deliveries=sent,
        events=seen,
        audit=audit,
        spam_complaint=unsubscribed and is_spam_complaint(last_unsubscribe),
    )
