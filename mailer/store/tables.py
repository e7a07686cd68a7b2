"""Every table, registered on `mailer.store.base.metadata` by importing its module."""

from mailer.store.contacts import (
    contact_history,
    contact_sources,
    contacts,
    erasures,
    roster_imports,
)
from mailer.store.editions import edition_approvals, editions
from mailer.store.events import events
from mailer.store.ledger import deliveries, send_batches
from mailer.store.schedules import schedule_runs, scheduler_lock

__all__ = [
    "contact_history",
    "contact_sources",
    "contacts",
    "deliveries",
    "edition_approvals",
    "editions",
    "erasures",
    "events",
    "roster_imports",
    "schedule_runs",
    "scheduler_lock",
    "send_batches",
]
