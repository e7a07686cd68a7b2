"""Workspace accounts: add, list, set a password; log in, resume and end a session (managing
them in the browser: `user_admin`).

Passwords are hashed with Argon2id (argon2-cffi's defaults: RFC 9106's second recommended
profile). Sessions live in the database (any `mailer serve` process behind the proxy finds them):
the browser holds a random token, the table only its SHA-256. Disabling an account or setting its
password ends every session it has.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mailer.core.accounts import (
    AccountError,
    AccountProblem,
    AuditAction,
    Permission,
    UiLanguage,
    UserRole,
    allows,
    check_password,
    normalise_password,
)
from mailer.core.roster.values import check_email
from mailer.pipeline.audit import record, record_in
from mailer.pipeline.context import Context
from mailer.pipeline.throttle import (
    ThrottlePolicy,
    Verdict,
    check_and_record_failure,
    login_allowed,
    record_success,
)
from mailer.store import users as store
from mailer.store.users import UserRow

__all__ = [
    "ACCOUNT_POLICY",
    "HASHER",
    "MAX_NAME",
    "SCOPE",
    "Account",
    "LoginOutcome",
    "LoginResult",
    "account_of",
    "add_user",
    "display_name_of",
    "existing_user",
    "hash_password",
    "list_accounts",
    "log_in",
    "log_out",
    "new_placeholder_hash",
    "normalised_email",
    "resume_session",
    "session_key",
    "set_password",
    "verify_password",
]

HASHER = PasswordHasher()
# Each Argon2id check takes 64 MiB and a core for tens of milliseconds: a burst of logins must
# queue, not take the process's memory (a per-process bound on work, not shared state).
HASHING = threading.BoundedSemaphore(2)
# Wrong passwords, counted in the database for every serve process. Per client address: the admin
# login's rule (5 in 15 minutes). Per account: 10, so a guesser spread over many addresses is held
# too, while one colleague's typos cannot lock the account for long (15 minutes at most).
SCOPE = "workspace"
CLIENT_POLICY = ThrottlePolicy(max_failures=5, window=timedelta(minutes=15))
ACCOUNT_POLICY = ThrottlePolicy(max_failures=10, window=timedelta(minutes=15))
# A last_seen write per request would turn every page view into a write; a minute is precise
# enough for an idle timeout counted in tens of minutes.
TOUCH_EVERY = timedelta(minutes=1)
_PLACEHOLDER = "!invited:"
MAX_NAME = 200  # characters of a display name (the column's size)


class Account(NamedTuple):
    email: str
    display_name: str
    role: UserRole
    ui_language: UiLanguage
    active: bool
    created_at: datetime
    password_changed_at: datetime
    has_password: bool = True  # False: invited, the user has not chosen one yet

    def may(self, permission: Permission) -> bool:
        return self.active and allows(self.role, permission)


class LoginOutcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"  # unknown email, wrong password or disabled account: never said which
    THROTTLED = "throttled"  # too many recent failures for this client or this account


class LoginResult(NamedTuple):
    outcome: LoginOutcome
    token: str | None = None  # the session cookie's value, only on OK
    account: Account | None = None
    retry_after: int = 0  # seconds, when THROTTLED


def account_of(row: UserRow) -> Account:
    return Account(
        email=row.email,
        display_name=row.display_name,
        role=row.role,
        ui_language=row.ui_language,
        active=row.active,
        created_at=row.created_at,
        password_changed_at=row.password_changed_at,
        has_password=not row.password_hash.startswith(_PLACEHOLDER),
    )


def new_placeholder_hash() -> str:
    """The password hash of an invited account until its user chooses one: no Argon2 string,
    so no password ever matches it (the login's check treats it as a wrong password), and random,
    so each invitation's link stamp differs."""
    return _PLACEHOLDER + secrets.token_urlsafe(24)


def normalised_email(text: str) -> str:
    email, reason = check_email(text)
    if email is None:
        raise AccountError("email", reason or "not an email address", AccountProblem.INVALID_EMAIL)
    return email


def hash_password(password: str) -> str:
    with HASHING:
        return HASHER.hash(password)


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified against when the email is unknown, so that answer takes as long as a wrong password.
    with HASHING:
        return hasher.hash(secrets.token_urlsafe(16))


def verify_password(encoded: str, password: str) -> bool:
    try:
        with HASHING:
            return HASHER.verify(encoded, normalise_password(password))
    except (VerificationError, InvalidHashError):
        return False


def _session_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def existing_user(conn: sa.Connection, email: str) -> UserRow:
    row = store.find_user(conn, normalised_email(email))
    if row is None:
        raise AccountError("email", f"no user {email.strip()!r}", AccountProblem.NO_SUCH_USER)
    return row


def display_name_of(display_name: str | None, email: str) -> str:
    """The name shown for an account: as given, or the address's local part."""
    name = (display_name or "").strip() or email.partition("@")[0]
    if len(name) > MAX_NAME:
        raise AccountError(
            "name", f"use at most {MAX_NAME} characters", AccountProblem.NAME_TOO_LONG
        )
    return name


def add_user(
    ctx: Context,
    *,
    email: str,
    role: UserRole,
    password: str | None,
    actor: str,
    display_name: str | None = None,
    ui_language: UiLanguage = UiLanguage.FI,
) -> Account:
    """A new account; `password` None makes an invited one, without a password that works
    (`user_admin.invite` then mails the link to choose one)."""
    normalised = normalised_email(email)
    name = display_name_of(display_name, normalised)
    if password is None:
        encoded = new_placeholder_hash()
    else:
        encoded = hash_password(check_password(password, email=normalised))
    with ctx.engine.begin() as conn:
        if store.find_user(conn, normalised) is not None:
            raise AccountError(
                "email", f"a user {normalised!r} already exists", AccountProblem.USER_EXISTS
            )
        at = ctx.now()
        row = store.insert_user(
            conn,
            email=normalised,
            display_name=name,
            role=role,
            ui_language=ui_language,
            password_hash=encoded,
            at=at,
        )
        record_in(
            conn, at, actor=actor, action=AuditAction.USER_ADDED, target=normalised,
            detail=f"role {role.value}" + ("; invited by mail" if password is None else ""),
        )  # fmt: skip
    return account_of(row)


def list_accounts(ctx: Context) -> list[Account]:
    with ctx.engine.connect() as conn:
        return [account_of(row) for row in store.list_users(conn)]


def set_password(ctx: Context, email: str, password: str, *, actor: str) -> Account:
    """A new password; every session of the account ends (whoever knew the old one is out)."""
    with ctx.engine.connect() as conn:
        row = existing_user(conn, email)
    encoded = hash_password(check_password(password, email=row.email))
    with ctx.engine.begin() as conn:
        at = ctx.now()
        store.set_password_hash(conn, row.id, encoded, at)
        ended = store.delete_sessions_of(conn, row.id)
        record_in(
            conn, at, actor=actor, action=AuditAction.PASSWORD_SET, target=row.email,
            detail=f"{ended} session(s) ended",
        )  # fmt: skip
    return account_of(row._replace(password_changed_at=at))


def _check_login(conn: sa.Connection, email: str, password: str) -> tuple[UserRow | None, str]:
    """(the user, "") when the password is right and the account active, else (None, why)."""
    normalised, _ = check_email(email)
    row = store.find_user(conn, normalised) if normalised else None
    if row is None:
        verify_password(_dummy_hash(HASHER), password)
        return None, "unknown email"
    if not verify_password(row.password_hash, password):
        return None, "wrong password"
    if not row.active:
        return None, "account disabled"
    return row, ""


def _throttle_keys(email: str, client: str) -> tuple[tuple[str, ThrottlePolicy], ...]:
    normalised, _ = check_email(email)
    account = normalised or email.strip().casefold()
    return ((f"client|{client}", CLIENT_POLICY), (f"account|{account}", ACCOUNT_POLICY))


def _longest_wait(verdicts: list[Verdict]) -> int:
    return max((v.retry_after for v in verdicts if not v.allowed), default=0)


def _refused(ctx: Context, email: str, client: str, why: str) -> None:
    record(
        ctx, actor=f"client:{client}", action=AuditAction.LOGIN_FAILED, target=email.strip(),
        detail=why,
    )  # fmt: skip


def _open_session(ctx: Context, row: UserRow, password: str, client: str) -> str:
    with ctx.engine.begin() as conn:
        at = ctx.now()
        if HASHER.check_needs_rehash(row.password_hash):
            store.set_password_hash(
                conn, row.id, hash_password(normalise_password(password)), row.password_changed_at
            )
        token = secrets.token_urlsafe(32)
        store.insert_session(conn, _session_id(token), row.id, at)
        store.delete_sessions_idle_since(conn, at - timedelta(minutes=_idle_minutes(ctx)))
        record_in(
            conn, at, actor=row.email, action=AuditAction.LOGIN, target=row.email,
            detail=f"client {client}",
        )  # fmt: skip
    return token


def log_in(ctx: Context, email: str, password: str, *, client: str) -> LoginResult:
    """Check the password and open a session; every attempt is in the audit log.

    Failures are counted per client and per account in the database (`pipeline.throttle`, shared
    by every serve process); past either limit the answer is THROTTLED, without a hash check."""
    keys = _throttle_keys(email, client)
    wait = _longest_wait([login_allowed(ctx, SCOPE, key, policy) for key, policy in keys])
    if wait:
        _refused(ctx, email, client, "throttled")
        return LoginResult(LoginOutcome.THROTTLED, retry_after=wait)
    with ctx.engine.connect() as conn:
        row, why = _check_login(conn, email, password)
    if row is None:
        _refused(ctx, email, client, why)
        verdicts = [check_and_record_failure(ctx, SCOPE, key, policy) for key, policy in keys]
        wait = _longest_wait(verdicts)
        outcome = LoginOutcome.THROTTLED if wait else LoginOutcome.REFUSED
        return LoginResult(outcome, retry_after=wait)
    token = _open_session(ctx, row, password, client)
    for key, _policy in keys:
        record_success(ctx, SCOPE, key)
    return LoginResult(LoginOutcome.OK, token, account_of(row))


def _idle_minutes(ctx: Context) -> int:
    return ctx.settings.session_idle_minutes


def _expired(ctx: Context, session: store.SessionRow, now: datetime) -> bool:
    idle = now - session.last_seen_at > timedelta(minutes=_idle_minutes(ctx))
    too_old = now - session.created_at > timedelta(hours=ctx.settings.session_max_hours)
    return idle or too_old or not session.user.active


def resume_session(ctx: Context, token: str | None) -> Account | None:
    """The account a session token belongs to, or None (unknown, idle too long, too old, or the
    account disabled; an expired session is deleted)."""
    if not token:
        return None
    session_id = _session_id(token)
    with ctx.engine.begin() as conn:
        session = store.find_session(conn, session_id)
        if session is None:
            return None
        now = ctx.now()
        if _expired(ctx, session, now):
            store.delete_session(conn, session_id)
            return None
        if now - session.last_seen_at >= TOUCH_EVERY:
            store.touch_session(conn, session_id, now)
    return account_of(session.user)


def log_out(ctx: Context, token: str | None, *, client: str) -> bool:
    """End the session server-side; False when there was none (already ended or expired)."""
    if not token:
        return False
    session_id = _session_id(token)
    with ctx.engine.begin() as conn:
        session = store.find_session(conn, session_id)
        if session is None:
            return False
        store.delete_session(conn, session_id)
        record_in(
            conn, ctx.now(), actor=session.user.email, action=AuditAction.LOGOUT,
            target=session.user.email, detail=f"client {client}",
        )  # fmt: skip
    return True


def session_key(token: str) -> str:
    """What a CSRF token is bound to: the session's id, never the cookie's token itself."""
    return _session_id(token)
