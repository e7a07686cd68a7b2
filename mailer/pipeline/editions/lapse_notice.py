"""Telling an approver that a change made their approval lapse.

A revision saved after an approval makes the edition a draft again (`store.revisions` notes it in
the saving transaction). Once that transaction has committed, the saving function calls
`notify_lapsed`: the approver's workspace account gets a short message in its own language (which
edition, who changed it, the revision numbers, a link to the approval page), through the
configured provider outside every ledger. Nobody is mailed when the approver made the change
themselves, or when their account is disabled or missing. The outcome is one audit entry; a failed
send is logged and recorded there, never raised: the revision is saved whatever the mail does.

Words: templates/web/workspace/i18n/mail.<fi|sv|en>.yaml (the workspace's catalogue part; the
shell loads it with the rest, so its keys are checked like every page's).
"""

from __future__ import annotations

import logging
from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml

from mailer.core.accounts import AuditAction, UiLanguage
from mailer.core.accounts.four_eyes import same_person
from mailer.core.models import Language, Region, Variant
from mailer.pipeline.audit import record
from mailer.pipeline.context import Context
from mailer.pipeline.send.one_off import one_off_message, send_one_off
from mailer.store import users as users_store
from mailer.store.editions import Approval
from mailer.store.revisions import Revision
from mailer.store.users import UserRow

__all__ = ["OUTBOX_FOLDER", "NoticeResult", "approval_link", "notify_lapsed"]

log = logging.getLogger(__name__)

# The outbox folder (and SendGrid's `edition` custom arg) of the workspace's own messages: kept
# apart from the month's letters and test sends.
OUTBOX_FOLDER = "workspace"


class NoticeResult(StrEnum):
    SENT = "sent"
    FAILED = "failed"  # the provider refused or could not be reached
    OWN_CHANGE = "own_change"  # the approver saved the revision: they know
    DISABLED = "disabled"  # the approver's account is disabled
    NO_ACCOUNT = "no_account"  # approved on the command line under a name no account has


@cache
def _strings(templates_dir: Path, language: str) -> dict[str, str]:
    path = templates_dir / "web" / "workspace" / "i18n" / f"mail.{language}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def approval_link(ctx: Context, month: str) -> str:
    """The edition's approval page in the workspace (the route of `web/approval.py`)."""
    return f"{ctx.settings.public_url.rstrip('/')}/editions/{month}/approval"


def _account(ctx: Context, name: str) -> UserRow | None:
    # `approved_by` is the account's email in the workspace, the CLI's --by otherwise
    with ctx.engine.connect() as conn:
        return users_store.find_user(conn, name.strip()) or users_store.find_user(
            conn, name.strip().lower()
        )


def _send(ctx: Context, account: UserRow, approval: Approval, revision: Revision) -> str | None:
    t = _strings(ctx.settings.templates_dir.resolve(), account.ui_language.value)
    values = {
        "name": account.display_name or account.email,
        "author": revision.author,
        "month": revision.month,
        "approved": approval.revision,
        "latest": revision.number,
        "link": approval_link(ctx, revision.month),
    }
    # The sender's name follows the letter's two languages; English readers get the Finnish one.
    language = Language.SV if account.ui_language is UiLanguage.SV else Language.FI
    message = one_off_message(
        to=account.email,
        name=account.display_name,
        subject=t["mail_lapsed_subject"].format(**values),
        text=t["mail_lapsed_body"].format(**values),
        folder=OUTBOX_FOLDER,
        variant=Variant(region=Region.HYKS, language=language),
        lang=account.ui_language.value,
    )
    return send_one_off(ctx, message)


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
