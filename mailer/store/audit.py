"""The audit log: append and read (table in `mailer.store.tables`)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from mailer.core.accounts import AuditAction
from mailer.store.tables import audit_log

__all__ = ["AuditRow", "append", "count", "latest"]


class AuditRow(NamedTuple):
    id: int
    at: datetime
    actor: str
    action: AuditAction
    target: str
    detail: str


def append(
    conn: sa.Connection,
    *,
    at: datetime,
    actor: str,
    action: AuditAction,
    target: str,
    detail: str,
) -> None:
    conn.execute(
        sa.insert(audit_log).values(
            at=at, actor=actor, action=action.value, target=target, detail=detail
        )
    )


def count(conn: sa.Connection, *, action: AuditAction | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(audit_log)
    if action is not None:
        query = query.where(audit_log.c.action == action.value)
    return int(conn.execute(query).scalar_one())


def latest(
    conn: sa.Connection,
    *,
    action: AuditAction | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[AuditRow]:
    """Newest first (ties broken by insertion order)."""
    query = sa.select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
    if action is not None:
        query = query.where(audit_log.c.action == action.value)
    query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [
        AuditRow(
            id=row["id"],
            at=row["at"],
            actor=row["actor"],
            action=AuditAction(row["action"]),
            target=row["target"],
            detail=row["detail"],
        )
        for row in conn.execute(query).mappings()
    ]
