"""The workspace dashboard: every edition with its state and next planned send, the open
reminders, the latest send's figures and the register per region and status.

A constant number of queries whatever the size of the register or the number of editions (no
per-edition status call: `check.approval_status` reads the ledger and hashes the templates each
time); the approval hash is computed only for editions whose approval may still be in force.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from mailer.core.errors import MailerError
from mailer.core.models import ContactStatus
from mailer.pipeline.context import Context
from mailer.pipeline.editions.check import revision_hash
from mailer.pipeline.register_views import status_by_region
from mailer.pipeline.schedules.views import list_jobs
from mailer.store import dashboard as store
from mailer.store.dashboard import SendFigures
from mailer.store.editions import Approval, latest_approvals
from mailer.store.revisions import Revision, latest_revisions

__all__ = [
    "NEAR",
    "Dashboard",
    "EditionLine",
    "EditionState",
    "Reminder",
    "ReminderKind",
    "SendFigures",
    "dashboard",
    "edition_lines",
]

log = logging.getLogger("mailer.pipeline.dashboard")

# A planned send this close with the edition not approved is a reminder.
NEAR = timedelta(days=7)


class EditionState(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SCHEDULED = "scheduled"  # approved, and a schedule will send it
    SENT = "sent"


class ReminderKind(StrEnum):
    APPROVAL_LAPSED = "approval_lapsed"  # approved revision N, since changed to M by X
    SEND_NOT_APPROVED = "send_not_approved"  # a planned send is near and it is not approved
    # successors and appointees who confirmed their address and wait for a coordinator (/pending):
    # until someone approves them they get no letter
    CONTACTS_PENDING = "contacts_pending"


class EditionLine(NamedTuple):
    month: str
    state: EditionState
    revision: int | None
    author: str | None  # of the latest revision
    approved_by: str | None  # of the approval in force
    next_send: datetime | None  # the next planned send (the schedule's zone)


class Reminder(NamedTuple):
    kind: ReminderKind
    month: str  # "" for a reminder about no edition (contacts waiting)
    values: dict[str, str]  # what the catalogue's sentence fills in


class Dashboard(NamedTuple):
    editions: list[EditionLine]
    reminders: list[Reminder]
    latest: SendFigures | None
    regions: dict[str, dict[str, int]]  # region -> status -> contacts


def _planned_sends(ctx: Context) -> dict[str, datetime]:
    """The next planned send per edition, from the stored schedule jobs; a job store that cannot
    be read leaves the column empty rather than the dashboard broken."""
    try:
        jobs = list_jobs(ctx, count=3)
    except (MailerError, OSError, LookupError, ValueError) as err:
        log.warning("dashboard: schedule jobs unreadable: %s", err)
        return {}
    found: dict[str, datetime] = {}
    for job in jobs:
        for fire in job.upcoming:
            if fire.role == "send" and (fire.edition not in found or fire.at < found[fire.edition]):
                found[fire.edition] = fire.at
    return found


def _in_force(ctx: Context, approval: Approval | None, revision: Revision | None) -> bool:
    if approval is None or revision is None or approval.unapproved_at is not None:
        return False
    if approval.revision != revision.number:
        return False
    return approval.content_hash == revision_hash(ctx.settings, revision.text_hash)


def _state(approved: bool, sent: bool, planned: datetime | None) -> EditionState:
    if sent:
        return EditionState.SENT
    if not approved:
        return EditionState.DRAFT
    return EditionState.SCHEDULED if planned is not None else EditionState.APPROVED


def _lapsed(month: str, approval: Approval, revision: Revision) -> Reminder:
    values = {
        "approved": str(approval.revision),
        "approver": approval.approved_by,
        "latest": str(revision.number),
        "author": revision.author,
    }
    return Reminder(ReminderKind.APPROVAL_LAPSED, month, values)


def _reminders(
    ctx: Context,
    line: EditionLine,
    approval: Approval | None,
    revision: Revision | None,
) -> list[Reminder]:
    found: list[Reminder] = []
    if line.state is EditionState.SENT:
        return found
    lapsed = (
        approval is not None
        and revision is not None
        and approval.unapproved_at is None
        and approval.revision is not None
        and approval.revision != revision.number
    )
    if lapsed:
        assert approval is not None and revision is not None
        found.append(_lapsed(line.month, approval, revision))
    near = line.next_send is not None and line.next_send - ctx.now() <= NEAR
    if line.state is EditionState.DRAFT and near:
        assert line.next_send is not None
        at = line.next_send.astimezone(ctx.zone).strftime("%-d.%-m.%Y %H.%M")
        found.append(Reminder(ReminderKind.SEND_NOT_APPROVED, line.month, {"at": at}))
    return found


def edition_lines(ctx: Context) -> tuple[list[EditionLine], list[Reminder]]:
    """Every edition with its state and next planned send, and their reminders: the dashboard's
    first half, and all an edition's own pages need (not the send figures or the register)."""
    with ctx.engine.connect() as conn:
        rows = store.edition_rows(conn)
        revisions = {r.month: r for r in latest_revisions(conn)}
        approvals = latest_approvals(conn)
    planned = _planned_sends(ctx)
    lines: list[EditionLine] = []
    reminders: list[Reminder] = []
    for row in rows:
        revision, approval = revisions.get(row.month), approvals.get(row.month)
        sent = row.accepted or row.sent_at is not None
        approved = not sent and _in_force(ctx, approval, revision)
        line = EditionLine(
            month=row.month,
            state=_state(approved, sent, planned.get(row.month)),
            revision=revision.number if revision else None,
            author=revision.author if revision else None,
            approved_by=approval.approved_by if approved and approval else None,
            next_send=None if sent else planned.get(row.month),
        )
        lines.append(line)
        reminders += _reminders(ctx, line, approval, revision)
    return lines, reminders


def dashboard(ctx: Context) -> Dashboard:
    lines, reminders = edition_lines(ctx)
    with ctx.engine.connect() as conn:
        latest_month = store.latest_send_month(conn)
        latest = store.send_figures(conn, latest_month) if latest_month else None
    regions = status_by_region(ctx)
    waiting = sum(counts.get(ContactStatus.PENDING.value, 0) for counts in regions.values())
    if waiting:
        reminders.append(Reminder(ReminderKind.CONTACTS_PENDING, "", {"count": str(waiting)}))
    return Dashboard(lines, reminders, latest, regions)
