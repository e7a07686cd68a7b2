"""The scheduler's lock row: one active scheduler per database (`mailer.scheduler.service`).

A database failure surfaces as StorageError, so the scheduler decides what an unreachable
database means (retry as a standby, keep running for half the stale time) without touching SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy.exc import SQLAlchemyError

from mailer.core.errors import StorageError
from mailer.pipeline.context import Context
from mailer.store import schedules as store

__all__ = ["LockAttempt", "heartbeat", "release", "try_lock"]


class LockAttempt(NamedTuple):
    acquired: bool
    holder: str  # who holds it now ("?" when nobody could be read)
    beat: datetime | None  # the holder's last heartbeat


@contextmanager
def _storage(action: str) -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as err:
        raise StorageError(f"cannot reach the database to {action}: {err}") from err


def try_lock(ctx: Context, name: str, holder: str, *, stale_after: timedelta) -> LockAttempt:
    """Take the lock if it is free or its holder stopped beating for `stale_after`."""
    with _storage("take the scheduler lock"):
        with ctx.engine.begin() as conn:
            if store.acquire_lock(conn, name, holder, now=ctx.now(), stale_after=stale_after):
                return LockAttempt(True, holder, None)
        with ctx.engine.connect() as conn:
            current, beat = store.lock_holder(conn, name) or ("?", None)
    return LockAttempt(False, current, beat)


def heartbeat(ctx: Context, name: str, holder: str) -> bool:
    """Renew the lock; False when it is no longer ours."""
    with _storage("renew the scheduler lock"), ctx.engine.begin() as conn:
        return store.heartbeat(conn, name, holder, now=ctx.now())


def release(ctx: Context, name: str, holder: str) -> None:
    with _storage("release the scheduler lock"), ctx.engine.begin() as conn:
        store.release_lock(conn, name, holder)
