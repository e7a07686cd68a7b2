"""Four-eyes approval, its withdrawal, and the reminders derived from approvals.

`check.approve_edition` records an approval of a checked revision; this module decides who may
make it: not the revision's author (unless MAILER_APPROVAL_SINGLE_PERSON), and it writes the
audit entries. The workspace and `mailer edition approve` both come through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from mailer.core.accounts import AuditAction
from mailer.core.accounts.four_eyes import FourEyesError, same_person
from mailer.core.errors import ContentError
from mailer.pipeline.audit import record, record_in
from mailer.pipeline.context import Context
from mailer.pipeline.editions.check import EditionStatus, approval_status, approve_edition
from mailer.pipeline.editions.source import latest_text, missing_message
from mailer.store import editions as store
from mailer.store import revisions as revisions_store

__all__ = ["Approver", "LapsedApproval", "approve", "lapsed_approvals", "unapprove"]


class Approver(NamedTuple):
    name: str  # recorded as `approved_by`: the account's email, or the CLI's --by
    identities: tuple[str, ...]  # every name a revision's author may carry for this person
    actor: str  # who the audit log names


class LapsedApproval(NamedTuple):
    """An approval a later revision made void: the edition is a draft again."""

    month: str
    approved_by: str
    approved_at: datetime
    approved_revision: int
    revision: int  # the latest revision now
    changed_by: str  # its author
    changed_at: datetime


def approve(
    ctx: Context,
    month: str,
    approver: Approver,
    *,
    note: str | None = None,
    override: str | None = None,
) -> EditionStatus:
    """Approve the latest revision under the four-eyes rule; FourEyesError when the approver
    saved it and one person is not allowed; ContentError from the check."""
    revision = latest_text(ctx, month)
    if revision is None:
        raise ContentError(month, None, "(edition)", missing_message(ctx, month))
    alone = same_person(revision.author, (approver.name, *approver.identities))
    if alone and not ctx.settings.approval_single_person:
        raise FourEyesError(month, revision.number, revision.author)
    status = approve_edition(
        ctx,
        month,
        approver.name,
        override=override,
        note=note,
        revision=revision.number,
        single_person=alone,
    )
    detail = f"revision {revision.number}" + (" (one person)" if alone else "")
    if status.note:
        detail += f"; note: {status.note}"
    record(
        ctx, actor=approver.actor, action=AuditAction.EDITION_APPROVED, target=month, detail=detail
    )
    return status


def unapprove(ctx: Context, month: str, actor: str) -> EditionStatus:
    """Withdraw the approval in force; ContentError when there is none (or the edition went)."""
    status = approval_status(ctx, month)
    if status.state == "sent":
        raise ContentError(month, None, "(edition)", "the edition has been sent")
    with ctx.engine.begin() as conn:
        if status.state != "approved" or not store.withdraw_approval(
            conn, month, by=actor, at=ctx.now()
        ):
            raise ContentError(month, None, "(edition)", "no approval in force to withdraw")
        detail = f"revision {status.approved_revision} (approved by {status.approved_by})"
        record_in(
            conn,
            ctx.now(),
            actor=actor,
            action=AuditAction.EDITION_UNAPPROVED,
            target=month,
            detail=detail,
        )
    return approval_status(ctx, month)


def lapsed_approvals(ctx: Context, months: Sequence[str] | None = None) -> list[LapsedApproval]:
    """Approvals in force on paper whose edition has a newer revision (two queries for every
    month: the dashboard's reminder "approved revision N, since changed to M by X")."""
    with ctx.engine.connect() as conn:
        approvals = store.latest_approvals(conn)
        latest = {r.month: r for r in revisions_store.latest_revisions(conn)}
        sent = store.sent_months(conn)
    found = []
    for month, approval in sorted(approvals.items(), reverse=True):
        revision = latest.get(month)
        if months is not None and month not in months:
            continue
        if revision is None or approval.revision is None or month in sent:
            continue
        if approval.unapproved_at is not None or revision.number == approval.revision:
            continue
        found.append(
            LapsedApproval(
                month,
                approval.approved_by,
                approval.approved_at,
                approval.revision,
                revision.number,
                revision.author,
                revision.created_at,
            )
        )
    return found
