"""Links that let a workspace user choose a password: the invitation of a new account, a reset
an admin sends, and "forgot your password" on the login page.

The link is signed with MAILER_SECRET_KEY under its own purpose (salt) and carries the account's
id, an end (MAILER_CONFIRMATION_LINK_HOURS), and a stamp of the account's current password
hash. Setting a password changes the hash, so a link works once; a newer link, or a password set
on the command line, makes every earlier link dead too. Nothing is stored for it.

The ends are checked against the context's clock, so one clock rules the whole application (and
the tests can move it).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from itsdangerous import BadSignature, URLSafeSerializer

from mailer.core.accounts import AuditAction
from mailer.core.tokens import InvalidTokenError
from mailer.pipeline.audit import record
from mailer.pipeline.context import Context
from mailer.pipeline.throttle import ThrottlePolicy, check_and_record_failure, login_allowed
from mailer.pipeline.workspace_mail import mail_user, workspace_url
from mailer.store import users as store
from mailer.store.users import UserRow

__all__ = [
    "LinkKind",
    "LinkSent",
    "forgot_password",
    "password_link",
    "read_password_link",
    "send_password_link",
]

_SALT = "vipu-mailer.password-link.v1"
PATH = "/password/"
# "Forgot your password": per client 5 and per address 3 in an hour, so the form cannot be used to
# fill someone's mailbox; past the limit the answer looks the same and nothing is sent.
_FORGOT_SCOPE = "password-link"
_FORGOT_CLIENT = ThrottlePolicy(max_failures=5, window=timedelta(hours=1))
_FORGOT_ACCOUNT = ThrottlePolicy(max_failures=3, window=timedelta(hours=1))


class LinkKind(StrEnum):
    """Why the link is sent: its message's words (`mail_<kind>_*` in the mail catalogue)."""

    INVITE = "invite"  # a new account: choose your first password
    RESET = "reset"  # an admin's reset, or the user's own "forgot your password"


class LinkSent(NamedTuple):
    link: str
    error: str | None  # None: the provider accepted the message


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:24]


def _serializer(ctx: Context) -> URLSafeSerializer:
    return URLSafeSerializer(ctx.settings.secret_key.get_secret_value(), salt=_SALT)


def password_link(ctx: Context, row: UserRow, now: datetime) -> str:
    until = now + timedelta(hours=ctx.settings.confirmation_link_hours)
    # the account's id, not its address: a signed value is readable, and links end up in logs
    token = _serializer(ctx).dumps([row.id, _stamp(row.password_hash), int(until.timestamp())])
    return workspace_url(ctx, PATH + token)


def read_password_link(ctx: Context, token: str) -> UserRow:
    """The active account the link is for, if it is ours, has not ended and no password was set
    since it was made; else InvalidTokenError (one message for every reason: no enumeration)."""
    try:
        value = _serializer(ctx).loads(token)
    except BadSignature as err:
        raise InvalidTokenError("password link is not valid") from err
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], int)):
        raise InvalidTokenError("password link is not valid")
    user_id, stamp, until = value
    if not isinstance(until, int):
        raise InvalidTokenError("password link is not valid")
    with ctx.engine.connect() as conn:
        row = store.find_user_by_id(conn, user_id)
    if row is None or not row.active or _stamp(row.password_hash) != stamp:
        raise InvalidTokenError("password link is not valid")
    if ctx.now().timestamp() > until:
        raise InvalidTokenError("password link has ended")
    return row


def send_password_link(ctx: Context, row: UserRow, kind: LinkKind, *, actor: str) -> LinkSent:
    """Mail `row` a link to choose a password, in their workspace language; audited."""
    now = ctx.now()
    link = password_link(ctx, row, now)
    values = {
        "name": row.display_name or row.email,
        "link": link,
        "hours": ctx.settings.confirmation_link_hours,
        "login": workspace_url(ctx, "/login"),
    }
    error = mail_user(
        ctx,
        to=row.email,
        name=row.display_name,
        language=row.ui_language,
        key=f"mail_{kind.value}",
        values=values,
    )
    outcome = "sent" if error is None else f"not sent: {error}"
    record(
        ctx, actor=actor, action=AuditAction.PASSWORD_LINK_SENT, target=row.email,
        detail=f"{kind.value} link {outcome}",
    )  # fmt: skip
    return LinkSent(link, error)


def forgot_password(ctx: Context, email: str, *, client: str) -> None:
    """Mail a reset link when `email` is an active account and the limits allow; otherwise do
    nothing. The caller answers the same either way, so the form tells nobody who has an account."""
    normalised = email.strip().casefold()
    keys = ((f"client|{client}", _FORGOT_CLIENT), (f"account|{normalised}", _FORGOT_ACCOUNT))
    if not all(login_allowed(ctx, _FORGOT_SCOPE, key, policy).allowed for key, policy in keys):
        return
    for key, policy in keys:  # every request counts, found or not: the limit is on asking
        check_and_record_failure(ctx, _FORGOT_SCOPE, key, policy)
    with ctx.engine.connect() as conn:
        row = store.find_user(conn, normalised)
    if row is not None and row.active:
        send_password_link(ctx, row, LinkKind.RESET, actor=f"client:{client}")
