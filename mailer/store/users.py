"""Workspace accounts and their server-side sessions (tables in `mailer.store.tables`)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from mailer.core.accounts import UiLanguage, UserRole
from mailer.store.tables import users, web_sessions

__all__ = [
    "SessionRow",
    "UserRow",
    "count_active_admins",
    "delete_session",
    "delete_sessions_idle_since",
    "delete_sessions_of",
    "find_session",
    "find_user",
    "find_user_by_id",
    "insert_session",
    "insert_user",
    "list_users",
    "replace_password_hash",
    "set_active",
    "set_password_hash",
    "set_profile",
    "set_role",
    "touch_session",
]


class UserRow(NamedTuple):
    id: int
    email: str
    display_name: str
    role: UserRole
    ui_language: UiLanguage
    active: bool
    password_hash: str
    created_at: datetime
    password_changed_at: datetime


class SessionRow(NamedTuple):
    id: str
    user: UserRow
    created_at: datetime
    last_seen_at: datetime


def _user(row: sa.RowMapping) -> UserRow:
    return UserRow(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        role=UserRole(row["role"]),
        ui_language=UiLanguage(row["ui_language"]),
        active=bool(row["active"]),
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        password_changed_at=row["password_changed_at"],
    )


def insert_user(
    conn: sa.Connection,
    *,
    email: str,
    display_name: str,
    role: UserRole,
    ui_language: UiLanguage,
    password_hash: str,
    at: datetime,
) -> UserRow:
    conn.execute(
        sa.insert(users).values(
            email=email,
            display_name=display_name,
            role=role.value,
            ui_language=ui_language.value,
            active=True,
            password_hash=password_hash,
            created_at=at,
            password_changed_at=at,
        )
    )
    found = find_user(conn, email)
    assert found is not None
    return found


def find_user(conn: sa.Connection, email: str) -> UserRow | None:
    row = conn.execute(sa.select(users).where(users.c.email == email)).mappings().first()
    return _user(row) if row is not None else None


def find_user_by_id(conn: sa.Connection, user_id: int) -> UserRow | None:
    row = conn.execute(sa.select(users).where(users.c.id == user_id)).mappings().first()
    return _user(row) if row is not None else None


def list_users(conn: sa.Connection) -> list[UserRow]:
    rows = conn.execute(sa.select(users).order_by(users.c.email)).mappings()
    return [_user(row) for row in rows]


def set_active(conn: sa.Connection, user_id: int, active: bool) -> None:
    conn.execute(sa.update(users).where(users.c.id == user_id).values(active=active))


def set_password_hash(conn: sa.Connection, user_id: int, password_hash: str, at: datetime) -> None:
    conn.execute(
        sa.update(users)
        .where(users.c.id == user_id)
        .values(password_hash=password_hash, password_changed_at=at)
    )


def replace_password_hash(
    conn: sa.Connection, user_id: int, old: str, new: str, at: datetime
) -> bool:
    """Set `new` only if the hash is still `old` (one update: two tabs cannot both win)."""
    result = conn.execute(
        sa.update(users)
        .where(users.c.id == user_id, users.c.password_hash == old)
        .values(password_hash=new, password_changed_at=at)
    )
    return result.rowcount == 1


def insert_session(conn: sa.Connection, session_id: str, user_id: int, at: datetime) -> None:
    conn.execute(
        sa.insert(web_sessions).values(
            id=session_id, user_id=user_id, created_at=at, last_seen_at=at
        )
    )


def find_session(conn: sa.Connection, session_id: str) -> SessionRow | None:
    query = (
        sa.select(
            users,
            web_sessions.c.id.label("session_id"),
            web_sessions.c.created_at.label("session_created_at"),
            web_sessions.c.last_seen_at,
        )
        .join_from(web_sessions, users, web_sessions.c.user_id == users.c.id)
        .where(web_sessions.c.id == session_id)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return SessionRow(
        id=row["session_id"],
        user=_user(row),
        created_at=row["session_created_at"],
        last_seen_at=row["last_seen_at"],
    )


def touch_session(conn: sa.Connection, session_id: str, at: datetime) -> None:
    conn.execute(
        sa.update(web_sessions).where(web_sessions.c.id == session_id).values(last_seen_at=at)
    )


def delete_session(conn: sa.Connection, session_id: str) -> bool:
    result = conn.execute(sa.delete(web_sessions).where(web_sessions.c.id == session_id))
    return result.rowcount > 0


def delete_sessions_of(conn: sa.Connection, user_id: int, *, keep: str | None = None) -> int:
    """End the user's sessions (all, or all but the session id `keep`)."""
    condition = web_sessions.c.user_id == user_id
    if keep is not None:
        condition = sa.and_(condition, web_sessions.c.id != keep)
    result = conn.execute(sa.delete(web_sessions).where(condition))
    return result.rowcount


def set_role(conn: sa.Connection, user_id: int, role: UserRole) -> None:
    conn.execute(sa.update(users).where(users.c.id == user_id).values(role=role.value))


def set_profile(
    conn: sa.Connection, user_id: int, display_name: str, ui_language: UiLanguage
) -> None:
    conn.execute(
        sa.update(users)
        .where(users.c.id == user_id)
        .values(display_name=display_name, ui_language=ui_language.value)
    )


def count_active_admins(conn: sa.Connection) -> int:
    query = sa.select(sa.func.count()).where(
        users.c.role == UserRole.ADMIN.value, users.c.active.is_(True)
    )
    return int(conn.execute(query.select_from(users)).scalar_one())


def delete_sessions_idle_since(conn: sa.Connection, cutoff: datetime) -> int:
    result = conn.execute(sa.delete(web_sessions).where(web_sessions.c.last_seen_at < cutoff))
    return result.rowcount
