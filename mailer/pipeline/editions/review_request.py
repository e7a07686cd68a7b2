"""Asking for an approval: a coordinator who has finished the month's letter presses "request
approval", and every approver who may approve the latest revision (active, with the approve
permission, and not its author unless MAILER_APPROVAL_SINGLE_PERSON allows one person) gets a
short mail in their workspace language with the coordinator's words and a link to the approval
page. One audit entry says who asked whom; a mail that fails is named there, never raised.
"""

from __future__ import annotations

from typing import NamedTuple

from mailer.core.accounts import AuditAction, Permission
from mailer.core.accounts.four_eyes import same_person
from mailer.pipeline.accounts import Account, list_accounts
from mailer.pipeline.audit import record
from mailer.pipeline.context import Context
from mailer.pipeline.editions.lapse_notice import approval_link
from mailer.pipeline.workspace_mail import mail_user
from mailer.store.revisions import Revision

__all__ = ["MAX_MESSAGE", "ReviewRequest", "request_approval"]

MAX_MESSAGE = 1000  # characters of the coordinator's own words in the mail


class ReviewRequest(NamedTuple):
    asked: list[str]  # the approvers' addresses the provider accepted
    failed: list[str]  # the approvers' addresses it did not


def _approvers(ctx: Context, revision: Revision, requester: Account) -> list[Account]:
    """Who can approve `revision`: not the one asking (they are a coordinator writing to a
    colleague), and not its author unless one person may approve their own revision."""
    one_person = ctx.settings.approval_single_person
    return [
        a
        for a in list_accounts(ctx)
        if a.may(Permission.APPROVE)
        and a.has_password
        and a.email != requester.email
        and (one_person or not same_person(revision.author, (a.email, a.display_name)))
    ]


def request_approval(
    ctx: Context, revision: Revision, requester: Account, message: str = ""
) -> ReviewRequest:
    """Mail every approver who may approve `revision` (the month's latest)."""
    words = message.strip()[:MAX_MESSAGE]
    asked: list[str] = []
    failed: list[str] = []
    for approver in _approvers(ctx, revision, requester):
        values = {
            "name": approver.display_name,
            "requester": requester.display_name,
            "month": revision.month,
            "revision": revision.number,
            "message": words or "–",
            "link": approval_link(ctx, revision.month),
        }
        error = mail_user(
            ctx,
            to=approver.email,
            name=approver.display_name,
            language=approver.ui_language,
            key="mail_review",
            values=values,
        )
        (asked if error is None else failed).append(approver.email)
    detail = f"revision {revision.number}; asked {len(asked)}: {', '.join(asked) or '–'}"
    if failed:
        detail += f"; not sent to {', '.join(failed)}"
    record(
        ctx,
        actor=requester.email,
        action=AuditAction.APPROVAL_REQUESTED,
        target=revision.month,
        detail=detail,
    )
    return ReviewRequest(asked, failed)
