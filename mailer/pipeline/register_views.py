"""Read-only views of the register and the editions for the admin pages: each opens one read
transaction, so a page's figures agree with each other and the web layer never holds a
connection itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy.engine import RowMapping

from mailer.core.models import ContactStatus, Region
from mailer.pipeline.context import Context
from mailer.store import reports as queries

__all__ = [
    "ContactDetail",
    "ContactFilter",
    "ContactPage",
    "accepted_letters",
    "contact_detail",
    "contact_page",
    "edition_overview",
    "status_by_region",
]


class ContactFilter(NamedTuple):
    region: str | None
    status: str | None
    language: str | None
    search: str | None


class ContactPage(NamedTuple):
    total: int
    rows: Sequence[RowMapping]


class ContactDetail(NamedTuple):
    contact: RowMapping
    history: Sequence[RowMapping]
    deliveries: Sequence[RowMapping]
    events: Sequence[RowMapping]


def status_by_region(ctx: Context) -> dict[str, dict[str, int]]:
    """Contacts per region and status, every region and status present (zero when none)."""
    with ctx.engine.connect() as conn:
        counts = queries.status_counts(conn)
    table = {r.value: {s.value: 0 for s in ContactStatus} for r in Region}
    for region, status, n in counts:
        table.setdefault(region, {s.value: 0 for s in ContactStatus})[status] = n
    return table


def edition_overview(ctx: Context) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Every edition month the database knows of (newest first), and per month its latest
    approval and when it was first sent in full."""
    with ctx.engine.connect() as conn:
        return queries.edition_months(conn), queries.edition_records(conn)


def contact_page(ctx: Context, chosen: ContactFilter, *, offset: int, limit: int) -> ContactPage:
    with ctx.engine.connect() as conn:
        total, rows = queries.contact_page(
            conn,
            region=chosen.region,
            status=chosen.status,
            language=chosen.language,
            search=chosen.search,
            offset=offset,
            limit=limit,
        )
    return ContactPage(total, rows)


def contact_detail(ctx: Context, contact_id: int) -> ContactDetail | None:
    with ctx.engine.connect() as conn:
        contact, history, sent, seen = queries.contact_detail(conn, contact_id)
    return None if contact is None else ContactDetail(contact, history, sent, seen)


def accepted_letters(ctx: Context, month: str) -> list[queries.AcceptedLetter]:
    """The edition's letters the provider took (delivery id, address, variant, when, contact)."""
    with ctx.engine.connect() as conn:
        return queries.accepted_letters(conn, month)
