"""Pending contacts (confirmed successors) and a coordinator's decision on each: approved, they
become active and the contact who named them is retired (kept with their history, no longer
mailed); rejected, the pending row goes (it was never mailed and nobody vouched for it), and the
contact who named them stays as they were. Both audited."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy.engine import Connection

from mailer.core.accounts import AuditAction
from mailer.core.models import ContactStatus
from mailer.pipeline.audit import record_in
from mailer.pipeline.context import Context
from mailer.store.contact_page import (
    contact_by_id,
    delete_pending,
    latest_note,
    named_by,
    pending_contacts,
)
from mailer.store.contacts import change_status

__all__ = ["PendingContact", "approve", "approve_in", "list_pending", "reject"]

_KIND = "successor_confirmed"


class PendingContact(NamedTuple):
    id: int
    name: str
    email: str
    organisation: str
    region: str
    language: str
    role: str
    since: datetime | None
    # the leaver's name and address (a successor), else how they came (an appointment's note)
    origin: str | None


def list_pending(ctx: Context) -> list[PendingContact]:
    found: list[PendingContact] = []
    with ctx.engine.connect() as conn:
        for row in pending_contacts(conn):
            leaver_id = named_by(conn, int(row["id"]), _KIND)
            leaver = contact_by_id(conn, leaver_id) if leaver_id is not None else None
            found.append(
                PendingContact(
                    id=int(row["id"]),
                    name=f"{row['first_name']} {row['last_name']}",
                    email=str(row["email"]),
                    organisation=str(row["organisation"]),
                    region=str(row["region"]),
                    language=str(row["language"]),
                    role=str(row["role"]),
                    since=row["status_changed_at"],
                    origin=(
                        f"{leaver['first_name']} {leaver['last_name']} <{leaver['email']}>"
                        if leaver is not None
                        else latest_note(conn, int(row["id"]))
                    ),
                )
            )
    return found


def _pending(conn: Connection, contact_id: int) -> bool:
    row = contact_by_id(conn, contact_id)
    return row is not None and row["status"] == ContactStatus.PENDING.value


def approve_in(conn: Connection, contact_id: int, at: datetime, *, by: str) -> bool:
    """Approve in the caller's transaction; False when the contact is not pending (any more)."""
    if not _pending(conn, contact_id):
        return False
    change_status(conn, contact_id, ContactStatus.ACTIVE, at=at, kind="approved", actor=by,
                  source="pending", reason="successor approved")  # fmt: skip
    leaver = named_by(conn, contact_id, _KIND)
    row = contact_by_id(conn, leaver) if leaver is not None else None
    if row is not None and row["status"] != ContactStatus.RETIRED.value:
        change_status(conn, int(row["id"]), ContactStatus.RETIRED, at=at, kind="retired",
                      actor=by, source="pending",
                      reason=f"their successor (contact {contact_id}) was approved")  # fmt: skip
    record_in(conn, at, actor=by, action=AuditAction.PENDING_APPROVED,
              target=f"contact:{contact_id}",
              detail=f"retired contact:{leaver}" if row is not None else "")  # fmt: skip
    return True


def approve(ctx: Context, contact_id: int, *, by: str) -> bool:
    with ctx.engine.begin() as conn:
        return approve_in(conn, contact_id, ctx.now(), by=by)


def reject(ctx: Context, contact_id: int, *, by: str) -> bool:
    now = ctx.now()
    with ctx.engine.begin() as conn:
        if not _pending(conn, contact_id):
            return False
        delete_pending(conn, contact_id)
        record_in(conn, now, actor=by, action=AuditAction.PENDING_REJECTED,
                  target=f"contact:{contact_id}")  # fmt: skip
    return True
