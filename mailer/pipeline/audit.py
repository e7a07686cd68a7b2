"""The audit log: who did what and when.

Entry points call `record`; pipeline functions that change something record inside their own
transaction with `record_in` so the change and its entry commit together or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from mailer.core.accounts import AuditAction
from mailer.core.reports.csv_export import csv_text
from mailer.pipeline.context import Context
from mailer.store import audit as store
from mailer.store.audit import AuditRow

__all__ = [
    "AUDIT_COLUMNS",
    "AuditPage",
    "AuditRow",
    "audit_csv",
    "audit_page",
    "cli_actor",
    "record",
    "record_in",
]

AUDIT_COLUMNS = ("at", "actor", "action", "target", "detail")
# Longer texts are cut, not refused: an entry must never make the action it records fail.
_MAX_FIELD = 254
_MAX_DETAIL = 4000


class AuditPage(NamedTuple):
    total: int
    rows: list[AuditRow]


def cli_actor(os_user: str) -> str:
    """How the command line is named in the log: there is no account, there is an OS user."""
    return f"cli:{os_user}"[:_MAX_FIELD]


def record_in(
    conn: sa.Connection,
    at: datetime,
    *,
    actor: str,
    action: AuditAction,
    target: str = "",
    detail: str = "",
) -> None:
    store.append(
        conn,
        at=at,
        actor=actor[:_MAX_FIELD],
        action=action,
        target=target[:_MAX_FIELD],
        detail=detail[:_MAX_DETAIL],
    )


def record(
    ctx: Context, *, actor: str, action: AuditAction, target: str = "", detail: str = ""
) -> None:
    with ctx.engine.begin() as conn:
        record_in(conn, ctx.now(), actor=actor, action=action, target=target, detail=detail)


def audit_page(
    ctx: Context,
    *,
    action: AuditAction | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> AuditPage:
    """Newest first; `limit` None means every entry (exports)."""
    with ctx.engine.connect() as conn:
        total = store.count(conn, action=action)
        rows = store.latest(conn, action=action, offset=offset, limit=limit)
    return AuditPage(total, rows)


def audit_csv(rows: list[AuditRow]) -> str:
    """Formula-safe CSV (`core.reports.csv_export`): a typed email like `=cmd|...` in a failed
    login stays text in a spreadsheet."""
    return csv_text(
        AUDIT_COLUMNS,
        ((r.at, r.actor, r.action.value, r.target, r.detail) for r in rows),
    )
