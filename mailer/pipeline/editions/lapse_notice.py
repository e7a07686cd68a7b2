"""Telling an approver that a change made their approval lapse.

A revision saved after an approval makes the edition a draft again (`store.revisions` notes it in
the saving transaction). Once that transaction has committed, the saving function calls
`notify_lapsed`: the approver's workspace account gets a short message in its own language (which
edition, who changed it, the revision numbers, a link to the approval page), through the
configured provider outside every ledger. Nobody is mailed when the approver made the change
themselves, or when their account is disabled or missing. The outcome is one audit entry; a failed
send is logged and recorded there, never raised: the revision is saved whatever the mail does.

Words: `mail_lapsed_*` in templates/web/workspace/i18n/mail.<fi|sv|en>.yaml (`workspace_mail`).
"""

from __future__ import annotations

import logging
from enum import StrEnum

from mailer.core.accounts import AuditAction
from mailer.core.accounts.four_eyes import same_person
from mailer.pipeline.audit import record
from mailer.pipeline.context import Context
from mailer.pipeline.workspace_mail import OUTBOX_FOLDER, mail_user, workspace_url
from mailer.store import users as users_store
from mailer.store.editions import Approval
from mailer.store.revisions import Revision
from mailer.store.users import UserRow

__all__ = ["OUTBOX_FOLDER", "NoticeResult", "approval_link", "notify_lapsed"]

log = logging.getLogger(__name__)


class NoticeResult(StrEnum):
    SENT = "sent"
    FAILED = "failed"  # the provider refused or could not be reached
    OWN_CHANGE = "own_change"  # the approver saved the revision: they know
    DISABLED = "disabled"  # the approver's account is disabled
    NO_ACCOUNT = "no_account"  # approved on the command line under a name no account has


def approval_link(ctx: Context, month: str) -> str:
    """The edition's approval page in the workspace (the route of `web/approval.py`)."""
    return workspace_url(ctx, f"/editions/{month}/approval")


def _account(ctx: Context, name: str) -> UserRow | None:
    # `approved_by` is the account's email in the workspace, the CLI's --by otherwise
    with ctx.engine.connect() as conn:
        return users_store.find_user(conn, name.strip()) or users_store.find_user(
            conn, name.strip().lower()
        )


def _send(ctx: Context, account: UserRow, approval: Approval, revision: Revision) -> str | None:
    values = {
        "name": account.display_name or account.email,
        "author": revision.author,
        "month": revision.month,
        "approved": approval.revision,
        "latest": revision.number,
        "link": approval_link(ctx, revision.month),
    }
    return mail_user(
        ctx,
        to=account.email,
        name=account.display_name,
        language=account.ui_language,
        key="mail_lapsed",
        values=values,
    )


def _outcome(
    ctx: Context, approval: Approval, revision: Revision
) -> tuple[NoticeResult, str | None]:
    """What happened, and the audit entry's detail (None: nothing worth an entry)."""
    name = approval.approved_by
    account = _account(ctx, name)
    identities = (name,) if account is None else (name, account.email, account.display_name)
    if same_person(revision.author, identities):
        return NoticeResult.OWN_CHANGE, None
    if account is None:
        return NoticeResult.NO_ACCOUNT, f"notice not sent: no workspace account is named {name}"
    if not account.active:
        return NoticeResult.DISABLED, f"notice not sent: the account {account.email} is disabled"
    error = _send(ctx, account, approval, revision)
    if error is not None:
        return NoticeResult.FAILED, f"notice not sent: {error}"
    return NoticeResult.SENT, f"notice sent to {account.email} ({account.ui_language.value})"


def notify_lapsed(ctx: Context, approval: Approval, revision: Revision) -> NoticeResult:
    """Tell `approval`'s approver that `revision` made it lapse (call after the commit)."""
    result, detail = _outcome(ctx, approval, revision)
    if detail is not None:
        if result is NoticeResult.FAILED:
            log.warning("%s r%d: lapse %s", revision.month, revision.number, detail)
        record(
            ctx,
            actor=revision.author,
            action=AuditAction.APPROVAL_LAPSE_NOTICE,
            target=revision.month,
            detail=f"approved revision {approval.revision} ({approval.approved_by}); {detail}",
        )
    return result
