"""Failed-login counters shared by every `mailer serve` process (production runs several, so a
per-process counter would let a guesser spread its tries). One row per (scope, client key); the
key is stored as a SHA-256 digest, never as the raw client address or user name."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from mailer.store.base import UTCDateTime
from mailer.store.tables import login_failures

__all__ = [
    "FailureCount",
    "clear_failures",
    "failure_count",
    "forget_expired",
    "login_failures",
    "record_failure",
]


class FailureCount(NamedTuple):
    failures: int
    window_start: datetime


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _where(scope: str, key: str) -> Any:
    return sa.and_(login_failures.c.scope == scope, login_failures.c.key_digest == _digest(key))


def failure_count(conn: Connection, scope: str, key: str) -> FailureCount | None:
    row = conn.execute(
        sa.select(login_failures.c.failures, login_failures.c.window_start).where(
            _where(scope, key)
        )
    ).first()
    return FailureCount(int(row.failures), row.window_start) if row is not None else None


def record_failure(
    conn: Connection, scope: str, key: str, *, now: datetime, window_opened_after: datetime
) -> FailureCount:
    """Count one failure atomically (one upsert, safe against concurrent processes). A window
    that started at or before `window_opened_after` has expired: it restarts at `now`."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(login_failures).values(
        scope=scope, key_digest=_digest(key), failures=1, window_start=now
    )
    # compare as bound parameters of our UTC type, so both backends see comparable values
    expired = login_failures.c.window_start <= sa.literal(window_opened_after, UTCDateTime)
    stmt = stmt.on_conflict_do_update(
        index_elements=["scope", "key_digest"],
        set_={
            "failures": sa.case((expired, 1), else_=login_failures.c.failures + 1),
            "window_start": sa.case(
                (expired, sa.literal(now, UTCDateTime)), else_=login_failures.c.window_start
            ),
        },
    ).returning(login_failures.c.failures, login_failures.c.window_start)
    row = conn.execute(stmt).one()
    return FailureCount(int(row.failures), row.window_start)


def clear_failures(conn: Connection, scope: str, key: str) -> None:
    conn.execute(sa.delete(login_failures).where(_where(scope, key)))


def forget_expired(conn: Connection, scope: str, opened_before: datetime) -> int:
    """Drop the scope's counters whose window has expired (they no longer block anyone)."""
    return conn.execute(
        sa.delete(login_failures).where(
            login_failures.c.scope == scope,
            login_failures.c.window_start <= sa.literal(opened_before, UTCDateTime),
        )
    ).rowcount
