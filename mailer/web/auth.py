"""HTTP Basic authentication for /admin (RFC 7617).

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

from fastapi import HTTPException, Request

from mailer.config import Settings
from mailer.core.accounts.pbkdf2 import DEFAULT_ITERATIONS, hash_password, verify_password
from mailer.core.errors import ConfigError

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


def admin_enabled(settings: Settings) -> bool:
    return settings.admin_password is not None or settings.admin_password_hash is not None


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


def require_admin(request: Request) -> str:
    """FastAPI dependency for every admin route: 404 when admin is off, 401 without valid
    credentials (with the challenge, so browsers ask), else the user name."""
    settings: Settings = request.app.state.ctx.settings
    if not admin_enabled(settings):
        raise HTTPException(status_code=404, detail="Not Found")
    given = _credentials(request)
    try:
        ok = given is not None and check_credentials(settings, *given)
    except ConfigError as err:
        # start-up refuses a malformed hash; should one slip through, say nothing of it here
        log.error("admin: %s", err)
        raise HTTPException(status_code=500, detail="server misconfigured") from err
    if not ok or given is None:
        raise HTTPException(
            status_code=401,
            detail="admin credentials required",
            headers={"WWW-Authenticate": REALM, "Cache-Control": "no-store"},
        )
    return given[0]
