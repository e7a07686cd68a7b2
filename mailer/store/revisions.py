"""Edition revisions: every imported or saved version of a month's content, numbered from 1.

Append-only: a revision is never changed or deleted, the latest one is the edition. The number
comes from the month's highest plus one inside the caller's transaction; the unique constraint on
(month, number) turns two concurrent saves into an error for the second instead of a silent
overwrite.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from mailer.core.accounts import AuditAction
from mailer.store import audit
from mailer.store.editions import Approval, ensure_edition, latest_approval
from mailer.store.tables import edition_revisions

__all__ = [
    "Added",
    "Revision",
    "add_revision",
    "get_revision",
    "latest_revision",
    "latest_revisions",
    "list_revisions",
]


class Revision(NamedTuple):
    month: str
    number: int
    text: str
    text_hash: str
    author: str
    created_at: datetime
    changes: list[str] | None  # field paths changed since the revision before; None: the first
    note: str | None


class Added(NamedTuple):
    revision: Revision
    lapsed: Approval | None  # the approval this revision made void (None: there was none)


_r = edition_revisions.c
_COLUMNS = (
    _r.month,
    _r.number,
    _r.text,
    _r.text_hash,
    _r.author,
    _r.created_at,
    _r.changes,
    _r.note,
)


def _revision(row: Any) -> Revision | None:
    return None if row is None else Revision(*row)


def latest_revision(conn: sa.Connection, month: str) -> Revision | None:
    query = sa.select(*_COLUMNS).where(_r.month == month).order_by(_r.number.desc()).limit(1)
    return _revision(conn.execute(query).first())


def get_revision(conn: sa.Connection, month: str, number: int) -> Revision | None:
    query = sa.select(*_COLUMNS).where(_r.month == month, _r.number == number)
    return _revision(conn.execute(query).first())


def list_revisions(conn: sa.Connection, month: str) -> list[Revision]:
    """The month's revisions, newest first."""
    query = sa.select(*_COLUMNS).where(_r.month == month).order_by(_r.number.desc())
    return [Revision(*row) for row in conn.execute(query)]


def latest_revisions(conn: sa.Connection) -> list[Revision]:
    """The latest revision of every month that has one, newest month first."""
    newest = (
        sa.select(_r.month, sa.func.max(_r.number).label("number")).group_by(_r.month).subquery()
    )
    query = (
        sa.select(*_COLUMNS)
        .join(newest, sa.and_(_r.month == newest.c.month, _r.number == newest.c.number))
        .order_by(_r.month.desc())
    )
    return [Revision(*row) for row in conn.execute(query)]


def add_revision(
    conn: sa.Connection,
    *,
    month: str,
    text: str,
    text_hash: str,
    author: str,
    at: datetime,
    changes: list[str] | None,
    note: str | None = None,
) -> Added:
    """Append the month's next revision (and the edition's row on its first); `lapsed` is the
    approval it voided, for the caller to tell its approver once this transaction commits."""
    highest = conn.execute(sa.select(sa.func.max(_r.number)).where(_r.month == month)).scalar()
    number = (highest or 0) + 1
    if number == 1:
        ensure_edition(conn, month, at)
    revision = Revision(month, number, text, text_hash, author, at, changes, note)
    conn.execute(sa.insert(edition_revisions).values(**revision._asdict()))
    return Added(revision, _note_lapsed_approval(conn, revision, highest))


def _note_lapsed_approval(
    conn: sa.Connection, revision: Revision, previous: int | None
) -> Approval | None:
    """The first revision after an approval makes the edition a draft again: say so in the
    audit log, in the same transaction, whichever path saved it (import, editor, new)."""
    approval = latest_approval(conn, revision.month)
    if approval is None or approval.unapproved_at is not None or previous is None:
        return None
    if approval.revision != previous:
        return None  # already lapsed by an earlier revision, or approved before revisions existed
    audit.append(
        conn,
        at=revision.created_at,
        actor=revision.author,
        action=AuditAction.APPROVAL_LAPSED,
        target=revision.month,
        detail=f"approved revision {previous} ({approval.approved_by}); "
        f"changed to revision {revision.number}",
    )
    return approval
