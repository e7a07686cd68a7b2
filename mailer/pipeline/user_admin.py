"""Workspace users managed in the browser (and the CLI): invite, change a role, disable and
enable, send a link to set a password; each user's own name, language and password.

Two rules hold whoever asks: the workspace always keeps an active admin (the last one can be
neither disabled nor demoted), and nobody disables their own account (they would be locked out
mid-click). Every change is in the audit log; a disabled account's sessions end at once.
"""

from __future__ import annotations

import sqlalchemy as sa

from mailer.core.accounts import (
    AccountError,
    AccountProblem,
    AuditAction,
    UiLanguage,
    UserRole,
    check_password,
)
from mailer.pipeline.accounts import (
    ACCOUNT_POLICY,
    SCOPE,
    Account,
    account_of,
    add_user,
    display_name_of,
    existing_user,
    hash_password,
    session_key,
    verify_password,
)
from mailer.pipeline.audit import record_in
from mailer.pipeline.context import Context
from mailer.pipeline.password_links import (
    LinkKind,
    LinkSent,
    read_password_link,
    send_password_link,
)
from mailer.pipeline.throttle import check_and_record_failure, login_allowed
from mailer.store import users as store

__all__ = [
    "change_own_password",
    "disable",
    "enable",
    "invite",
    "send_reset",
    "set_password_from_link",
    "set_role",
    "update_profile",
]


def invite(
    ctx: Context,
    *,
    email: str,
    role: UserRole,
    display_name: str,
    ui_language: UiLanguage,
    actor: str,
) -> tuple[Account, LinkSent]:
    """A new account without a password, and a mail inviting its user to choose one."""
    account = add_user(
        ctx, email=email, role=role, password=None, actor=actor, display_name=display_name,
        ui_language=ui_language,
    )  # fmt: skip
    with ctx.engine.connect() as conn:
        row = existing_user(conn, account.email)
    return account, send_password_link(ctx, row, LinkKind.INVITE, actor=actor)


def send_reset(ctx: Context, email: str, *, actor: str) -> LinkSent:
    """An admin's reset: the user gets a link to choose a new password (the old one still works
    until they do, so a mistaken reset locks nobody out). An invited user who never chose one
    gets the invitation again instead."""
    with ctx.engine.connect() as conn:
        row = existing_user(conn, email)
    if not row.active:
        raise AccountError(
            "email", f"the account {row.email!r} is disabled", AccountProblem.ACCOUNT_DISABLED
        )
    kind = LinkKind.RESET if account_of(row).has_password else LinkKind.INVITE
    return send_password_link(ctx, row, kind, actor=actor)


def _keeps_an_admin(conn: sa.Connection, row: store.UserRow) -> bool:
    """Would the workspace still have an active admin without `row` as one?"""
    if row.role is not UserRole.ADMIN or not row.active:
        return True
    return store.count_active_admins(conn) > 1


def set_role(ctx: Context, email: str, role: UserRole, *, actor: str) -> Account:
    with ctx.engine.begin() as conn:
        row = existing_user(conn, email)
        if row.role is role:
            return account_of(row)
        if not _keeps_an_admin(conn, row):
            raise AccountError(
                "role", "the workspace needs at least one active admin", AccountProblem.LAST_ADMIN
            )
        store.set_role(conn, row.id, role)
        record_in(
            conn, ctx.now(), actor=actor, action=AuditAction.USER_ROLE_CHANGED, target=row.email,
            detail=f"{row.role.value} -> {role.value}",
        )  # fmt: skip
    return account_of(row._replace(role=role))


def disable(ctx: Context, email: str, *, actor: str) -> Account:
    """Disable the account and end its sessions; never one's own, never the last admin."""
    with ctx.engine.begin() as conn:
        row = existing_user(conn, email)
        if row.email == actor:
            raise AccountError(
                "email", "you cannot disable your own account", AccountProblem.OWN_ACCOUNT
            )
        if not _keeps_an_admin(conn, row):
            raise AccountError(
                "email", "the workspace needs at least one active admin", AccountProblem.LAST_ADMIN
            )
        if not row.active:
            return account_of(row)
        store.set_active(conn, row.id, False)
        ended = store.delete_sessions_of(conn, row.id)
        record_in(
            conn, ctx.now(), actor=actor, action=AuditAction.USER_DISABLED, target=row.email,
            detail=f"{ended} session(s) ended",
        )  # fmt: skip
    return account_of(row._replace(active=False))


def enable(ctx: Context, email: str, *, actor: str) -> Account:
    with ctx.engine.begin() as conn:
        row = existing_user(conn, email)
        if row.active:
            return account_of(row)
        store.set_active(conn, row.id, True)
        record_in(conn, ctx.now(), actor=actor, action=AuditAction.USER_ENABLED, target=row.email)
    return account_of(row._replace(active=True))


def update_profile(
    ctx: Context, email: str, *, display_name: str, ui_language: UiLanguage
) -> Account:
    """The user's own name and workspace language."""
    with ctx.engine.begin() as conn:
        row = existing_user(conn, email)
        name = display_name_of(display_name, row.email)
        if (name, ui_language) == (row.display_name, row.ui_language):
            return account_of(row)
        store.set_profile(conn, row.id, name, ui_language)
        record_in(
            conn, ctx.now(), actor=row.email, action=AuditAction.USER_PROFILE_CHANGED,
            target=row.email, detail=f"language {ui_language.value}",
        )  # fmt: skip
    return account_of(row._replace(display_name=name, ui_language=ui_language))


def change_own_password(
    ctx: Context, email: str, *, current: str, new: str, session_token: str
) -> int:
    """A new password after the current one is proven; the user's other sessions end (this
    one stays). Returns how many ended. AccountError("current", …) for a wrong current password."""
    with ctx.engine.connect() as conn:
        row = existing_user(conn, email)
    # The login's per-account count: a borrowed session must not become a way to guess the
    # password that would keep the account.
    key = f"account|{row.email}"
    if not login_allowed(ctx, SCOPE, key, ACCOUNT_POLICY).allowed:
        raise AccountError("current", "too many wrong passwords lately", AccountProblem.THROTTLED)
    if not verify_password(row.password_hash, current):
        check_and_record_failure(ctx, SCOPE, key, ACCOUNT_POLICY)
        raise AccountError(
            "current", "the current password is not right", AccountProblem.WRONG_PASSWORD
        )
    encoded = hash_password(check_password(new, email=row.email))
    with ctx.engine.begin() as conn:
        at = ctx.now()
        store.set_password_hash(conn, row.id, encoded, at)
        ended = store.delete_sessions_of(conn, row.id, keep=session_key(session_token))
        record_in(
            conn, at, actor=row.email, action=AuditAction.PASSWORD_SET, target=row.email,
            detail=f"changed by the user; {ended} other session(s) ended",
        )  # fmt: skip
    return ended


def set_password_from_link(ctx: Context, token: str, password: str) -> Account:
    """The password chosen through a link (`password_links`): the link dies with the old hash;
    every session of the account ends. InvalidTokenError for a dead link, AccountError for a
    password the policy refuses (the link stays usable then)."""
    row = read_password_link(ctx, token)
    encoded = hash_password(check_password(password, email=row.email))
    with ctx.engine.begin() as conn:
        at = ctx.now()
        if not store.replace_password_hash(conn, row.id, row.password_hash, encoded, at):
            # another tab used the link first (the hash it was made for is gone): spent
            raise AccountError("password", "this link was already used", AccountProblem.LINK_USED)
        ended = store.delete_sessions_of(conn, row.id)
        record_in(
            conn, at, actor=row.email, action=AuditAction.PASSWORD_SET, target=row.email,
            detail=f"chosen through a link; {ended} session(s) ended",
        )  # fmt: skip
    return account_of(row._replace(password_changed_at=at))
