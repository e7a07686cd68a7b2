"""Login throttling, shared by every `mailer serve` process through the database.

The API (reused by every login of the web service):

    verdict = login_allowed(ctx, scope, key)          # before checking a password
    if not verdict.allowed: answer 429 with Retry-After: verdict.retry_after
    ... check the password ...
    on failure: verdict = check_and_record_failure(ctx, scope, key)   # 429 when not allowed
    on success: record_success(ctx, scope, key)

`scope` names the login ("admin", "workspace", ...); `key` names the client, usually its address
(`request.client.host`, the real client when uvicorn trusts the proxy's X-Forwarded-For), or
"address|account". After `policy.max_failures` failures within `policy.window` the client is
refused until the window that holds them ends; a success clears its count. Keys are stored
hashed. Nothing here sleeps: a refused client costs one SELECT, never a password hash.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from mailer.pipeline.context import Context
from mailer.store import throttle as store

__all__ = [
    "DEFAULT_POLICY",
    "ThrottlePolicy",
    "Verdict",
    "check_and_record_failure",
    "login_allowed",
    "record_success",
]


class ThrottlePolicy(NamedTuple):
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


DEFAULT_POLICY = ThrottlePolicy()


class Verdict(NamedTuple):
    """`allowed` False: refuse the attempt (HTTP 429) for `retry_after` more seconds."""

    allowed: bool
    retry_after: int
    failures: int


def _verdict(count: store.FailureCount | None, now: datetime, policy: ThrottlePolicy) -> Verdict:
    if count is None or count.window_start + policy.window <= now:
        return Verdict(True, 0, 0)
    if count.failures < policy.max_failures:
        return Verdict(True, 0, count.failures)
    left = (count.window_start + policy.window - now).total_seconds()
    return Verdict(False, max(1, int(left + 0.999)), count.failures)


def login_allowed(
    ctx: Context, scope: str, key: str, policy: ThrottlePolicy = DEFAULT_POLICY
) -> Verdict:
    """May `key` try to log in to `scope` now? (Reads only.)"""
    with ctx.engine.connect() as conn:
        count = store.failure_count(conn, scope, key)
    return _verdict(count, ctx.now(), policy)


def check_and_record_failure(
    ctx: Context, scope: str, key: str, policy: ThrottlePolicy = DEFAULT_POLICY
) -> Verdict:
    """Count a failed login of `key` and say whether it may try again now."""
    now = ctx.now()
    with ctx.engine.begin() as conn:
        count = store.record_failure(
            conn, scope, key, now=now, window_opened_after=now - policy.window
        )
        store.forget_expired(conn, scope, now - policy.window)
    return _verdict(count, now, policy)


def record_success(ctx: Context, scope: str, key: str) -> None:
    """A successful login clears the client's failures."""
    with ctx.engine.begin() as conn:
        store.clear_failures(conn, scope, key)
