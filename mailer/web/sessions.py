"""Workspace sessions and CSRF, for any number of `mailer serve` processes behind a proxy.

The session cookie holds a random token; the session itself is a database row
(`pipeline.accounts`), so every process sees the same sessions and logout ends one everywhere.
CSRF tokens are signed (itsdangerous, MAILER_SECRET_KEY, one salt per purpose), never stored:
- with a session: the token signs the session's id, so it is only good for that session;
- without one (the login form): signed double-submit, the token signs a random value that is also
  in a cookie of its own, and a post must bring both (a cross-site form cannot read or set it).
Every state-changing route depends on `check_csrf`, which answers 403 without a good token.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from mailer.config import Settings
from mailer.core.accounts import Permission
from mailer.pipeline import Context
from mailer.pipeline.accounts import Account, resume_session, session_key
from mailer.web.bodies import BodyTooLargeError, read_limited

__all__ = [
    "ANONYMOUS_CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "Forbidden",
    "Visitor",
    "anonymous_csrf",
    "check_csrf",
    "clear_session_cookie",
    "client_address",
    "new_nonce",
    "require_account",
    "require_permission",
    "session_cookie_name",
    "session_csrf",
    "set_anonymous_cookie",
    "set_session_cookie",
    "visitor",
]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
ANONYMOUS_CSRF_COOKIE = "mailer_csrf"
SESSION_SALT = "mailer.workspace.csrf.session"
ANONYMOUS_SALT = "mailer.workspace.csrf.anonymous"
# A login form left open longer than this must be reloaded before it posts.
ANONYMOUS_MAX_AGE = 2 * 60 * 60


def _ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def _secure(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def session_cookie_name(settings: Settings) -> str:
    # The __Host- prefix makes the browser refuse the cookie unless it is Secure, host-only and
    # for path /: no sibling subdomain can plant or overwrite it. It needs https.
    return "__Host-mailer_session" if _secure(settings) else "mailer_session"


def _secret(settings: Settings) -> str:
    return settings.secret_key.get_secret_value()


def session_csrf(settings: Settings, token: str) -> str:
    return URLSafeSerializer(_secret(settings), salt=SESSION_SALT).dumps(session_key(token))


def anonymous_csrf(settings: Settings, nonce: str) -> str:
    return URLSafeTimedSerializer(_secret(settings), salt=ANONYMOUS_SALT).dumps(nonce)


def _same(a: object, b: str | None) -> bool:
    return isinstance(a, str) and b is not None and hmac.compare_digest(a, b)


def _valid(settings: Settings, request: Request, given: str) -> bool:
    session = request.cookies.get(session_cookie_name(settings))
    try:
        bound = URLSafeSerializer(_secret(settings), salt=SESSION_SALT).loads(given)
        return session is not None and _same(bound, session_key(session))
    except BadSignature:
        pass
    try:
        nonce = URLSafeTimedSerializer(_secret(settings), salt=ANONYMOUS_SALT).loads(
            given, max_age=ANONYMOUS_MAX_AGE
        )
    except BadSignature:
        return False
    return _same(nonce, request.cookies.get(ANONYMOUS_CSRF_COOKIE))


async def check_csrf(request: Request) -> None:
    """Dependency of every state-changing route: the form field `csrf_token` (or the header
    X-CSRF-Token) must carry a token of this session, or of this browser's anonymous cookie."""
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()  # Starlette caches it: the route's Form(...) reads it again
        field = form.get(CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not given or not _valid(_ctx(request).settings, request, given):
        raise HTTPException(status_code=403, detail="missing or invalid CSRF token")


def bounded_then_csrf(limit_of: Callable[[Settings], int]) -> Callable[..., Awaitable[bool]]:
    """Dependency of an upload route with its own size setting (exempt from the app's 64 KiB
    bound): read the post within `limit_of(settings)` bytes before anything parses it (the CSRF
    check reads the form), then check the CSRF token. True when it fits, False when larger (the
    route answers its own 413 page)."""

    async def dependency(request: Request) -> bool:
        try:
            await read_limited(request, limit_of(_ctx(request).settings))
        except BodyTooLargeError:
            return False
        await check_csrf(request)
        return True

    return dependency


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    # No Max-Age: the browser forgets it when closed; the server ends it after the idle timeout.
    response.set_cookie(
        session_cookie_name(settings),
        token,
        httponly=True,
        secure=_secure(settings),
        samesite="lax",
        path="/",
    )


def set_anonymous_cookie(response: Response, settings: Settings, nonce: str) -> None:
    response.set_cookie(
        ANONYMOUS_CSRF_COOKIE,
        nonce,
        max_age=ANONYMOUS_MAX_AGE,
        httponly=True,
        secure=_secure(settings),
        samesite="lax",
        path="/",
    )


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        session_cookie_name(settings),
        path="/",
        secure=_secure(settings),
        httponly=True,
        samesite="lax",
    )


def client_address(request: Request) -> str:
    """The peer's address (uvicorn's --proxy-headers puts the client's behind a proxy)."""
    return request.client.host if request.client else "unknown"


class Visitor:
    """Who is asking: the account of a live session, or nobody; and the token the pages need."""

    def __init__(self, settings: Settings, account: Account | None, token: str | None) -> None:
        self.account = account
        self.token = token if account is not None else None
        self._settings = settings

    @property
    def csrf(self) -> str:
        assert self.token is not None
        return session_csrf(self._settings, self.token)


def visitor(request: Request) -> Visitor:
    """Dependency: the session's account (None when there is no live session). A plain def, so
    FastAPI runs its database read in the thread pool."""
    ctx = _ctx(request)
    token = request.cookies.get(session_cookie_name(ctx.settings))
    return Visitor(ctx.settings, resume_session(ctx, token), token)


def require_account(who: Annotated[Visitor, Depends(visitor)]) -> Visitor:
    """Dependency of the pages behind login: no live session sends the browser to /login."""
    if who.account is None:
        raise HTTPException(status_code=303, headers={"Location": "/login"})
    return who


class Forbidden(Exception):
    """Raised by `require_permission`; the app answers with the 403 page in the user's language."""

    def __init__(self, who: Visitor) -> None:
        self.who = who
        super().__init__("not allowed for this role")


def require_permission(permission: Permission) -> Callable[[Visitor], Visitor]:
    """A dependency that lets through only accounts whose role has `permission`:
    `who: Annotated[Visitor, Depends(require_permission(Permission.VIEW_AUDIT))]`."""

    def dependency(who: Annotated[Visitor, Depends(require_account)]) -> Visitor:
        if who.account is None or not who.account.may(permission):
            raise Forbidden(who)
        return who

    return dependency
