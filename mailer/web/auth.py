"""HTTP Basic authentication for /admin (RFC 7617).

Failed logins are throttled per client through the database (mailer/pipeline/throttle.py), and
at most two password-hash checks run at once per process.

The password comes from MAILER_ADMIN_PASSWORD (compared in constant time) or, better, from
MAILER_ADMIN_PASSWORD_HASH in the form `pbkdf2_sha256$<iterations>$<salt>$<hash>` (standard
library PBKDF2-HMAC-SHA256; make one with `mailer admin hash-password`). When the hash is set
it wins. When neither is set there are no admin pages at all: every /admin route answers 404,
the same as a path that does not exist.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, Request

from mailer.config import Settings
from mailer.core.accounts.pbkdf2 import DEFAULT_ITERATIONS, hash_password, verify_password
from mailer.core.errors import ConfigError
from mailer.pipeline import Context
from mailer.pipeline.throttle import check_and_record_failure, login_allowed, record_success

__all__ = [
    "DEFAULT_ITERATIONS",
    "admin_enabled",
    "check_credentials",
    "hash_password",
    "require_admin",
    "verify_password",
]

log = logging.getLogger("mailer.web.auth")
REALM = 'Basic realm="vipu-mailer admin", charset="UTF-8"'

# PBKDF2 at 600k iterations costs a good fraction of a second; a browser sends the credentials
# with every page. Remember successful checks under a per-process random key (never the password).
_PROCESS_KEY = secrets.token_bytes(32)
_VERIFIED: set[bytes] = set()
_VERIFIED_MAX = 64

LOGIN_SCOPE = "admin"
# Each PBKDF2 check costs ~0.14 s of CPU: at most two run at once per process, so a flood of
# guesses cannot take every core; more wait their turn, then get 503.
HASH_SLOTS = threading.BoundedSemaphore(2)
HASH_WAIT_SECONDS = 10.0


def admin_enabled(settings: Settings) -> bool:
    return settings.admin_password is not None or settings.admin_password_hash is not None


class _BusyError(Exception):
    """Every hash slot stayed taken for HASH_WAIT_SECONDS."""


@contextmanager
def _hash_slot() -> Iterator[None]:
    if not HASH_SLOTS.acquire(timeout=HASH_WAIT_SECONDS):
        raise _BusyError
    try:
        yield
    finally:
        HASH_SLOTS.release()


def check_credentials(settings: Settings, username: str, password: str) -> bool:
    # Both comparisons always run (no early return on a wrong user name: no timing hint).
    user_ok = hmac.compare_digest(username.encode(), settings.admin_user.encode())
    if settings.admin_password_hash is not None:
        encoded = settings.admin_password_hash.get_secret_value()
        key = hmac.new(
            _PROCESS_KEY, f"{username}\0{password}\0{encoded}".encode(), "sha256"
        ).digest()
        if key in _VERIFIED:
            return user_ok
        with _hash_slot():
            password_ok = verify_password(password, encoded)
        if password_ok and user_ok:
            if len(_VERIFIED) >= _VERIFIED_MAX:
                _VERIFIED.clear()
            _VERIFIED.add(key)
    elif settings.admin_password is not None:
        expected = settings.admin_password.get_secret_value().encode()
        password_ok = hmac.compare_digest(password.encode(), expected)
    else:
        return False
    return user_ok and password_ok


def _credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        # RFC 7617 section 2.1: we announce charset="UTF-8", so decode as UTF-8.
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def _challenge() -> HTTPException:
    return HTTPException(
        status_code=401,
        detail="admin credentials required",
        headers={"WWW-Authenticate": REALM, "Cache-Control": "no-store"},
    )


def _refused(status: int, detail: str, retry_after: int) -> HTTPException:
    return HTTPException(
        status_code=status,
        detail=detail,
        headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"},
    )


def _password_ok(settings: Settings, given: tuple[str, str]) -> bool:
    try:
        return check_credentials(settings, *given)
    except _BusyError as err:
        raise _refused(503, "busy, retry later", 5) from err
    except ConfigError as err:
        # start-up refuses a malformed hash; should one slip through, say nothing of it here
        log.error("admin: %s", err)
        raise HTTPException(status_code=500, detail="server misconfigured") from err


def require_admin(request: Request) -> str:
    """FastAPI dependency for every admin route: 404 when admin is off, 401 without valid
    credentials (with the challenge, so browsers ask), 429 for a client with too many recent
    failures (counted in the database, across every `mailer serve` process), else the user."""
    ctx: Context = request.app.state.ctx
    if not admin_enabled(ctx.settings):
        raise HTTPException(status_code=404, detail="Not Found")
    given = _credentials(request)
    if given is None:
        raise _challenge()  # a browser's first request: not a guess
    client = request.client.host if request.client else "?"
    verdict = login_allowed(ctx, LOGIN_SCOPE, client)
    if not verdict.allowed:
        raise _refused(429, "too many failed logins, retry later", verdict.retry_after)
    if not _password_ok(ctx.settings, given):
        verdict = check_and_record_failure(ctx, LOGIN_SCOPE, client)
        if not verdict.allowed:
            raise _refused(429, "too many failed logins, retry later", verdict.retry_after)
        raise _challenge()
    if verdict.failures:
        record_success(ctx, LOGIN_SCOPE, client)
    return given[0]
