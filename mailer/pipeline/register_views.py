"""Read-only views of the register and the editions (the dashboard, the demo): each opens one
read transaction, so a page's figures agree with each other and the web layer never holds a
connection itself."""

from __future__ import annotations

from mailer.core.models import ContactStatus, Region
from mailer.pipeline.context import Context
from mailer.store import reports as queries

__all__ = [
    "accepted_letters",
    "status_by_region",
]


def status_by_region(ctx: Context) -> dict[str, dict[str, int]]:
    """Contacts per region and status, every region and status present (zero when none)."""
    with ctx.engine.connect() as conn:
        counts = queries.status_counts(conn)
    table = {r.value: {s.value: 0 for s in ContactStatus} for r in Region}
    for region, status, n in counts:
        table.setdefault(region, {s.value: 0 for s in ContactStatus})[status] = n
    return table


def accepted_letters(ctx: Context, month: str) -> list[queries.AcceptedLetter]:
    """The edition's letters the provider took (delivery id, address, variant, when, contact)."""
    with ctx.engine.connect() as conn:
        return queries.accepted_letters(conn, month)
