"""Every table of the database, defined in this package and nowhere else (the query modules
import them from here, so none of them needs another query module at import time). Alembic
migrations and the schema test compare against `mailer.store.base.metadata`, which importing this
package fills. One module per capability keeps each under the size limit."""

from __future__ import annotations

from mailer.store.tables.appointments import (
    appointees,
    appointment_requests,
    organisation_addresses,
)
from mailer.store.tables.delivery import (
    IS_QUEUED,
    IS_SENDING,
    deliveries,
    events,
    send_batches,
)
from mailer.store.tables.editions import (
    archived_letters,
    edition_approvals,
    edition_revisions,
    editions,
    media,
)
from mailer.store.tables.operations import (
    audit_log,
    login_failures,
    schedule_runs,
    schedule_skips,
    scheduler_lock,
    users,
    web_sessions,
)
from mailer.store.tables.register import (
    contact_history,
    contact_sources,
    contacts,
    erasures,
    inbound_messages,
    new_token_key,
    roster_imports,
    roster_uploads,
)

__all__ = [
    "IS_QUEUED",
    "IS_SENDING",
    "appointees",
    "appointment_requests",
    "archived_letters",
    "audit_log",
    "contact_history",
    "contact_sources",
    "contacts",
    "deliveries",
    "edition_approvals",
    "edition_revisions",
    "editions",
    "erasures",
    "events",
    "inbound_messages",
    "login_failures",
    "media",
    "new_token_key",
    "organisation_addresses",
    "roster_imports",
    "roster_uploads",
    "schedule_runs",
    "schedule_skips",
    "scheduler_lock",
    "send_batches",
    "users",
    "web_sessions",
]
