"""Bulk writes of the contact register by a roster import, in the caller's transaction.

Statements go straight to the driver (sqlite3 executemany, PostgreSQL COPY): at 100,000 rows
SQLAlchemy's per-row parameter processing costs more than the database work (measured in
bench/roster_import.py). The SQL is plain and portable; only the placeholder differs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.core.models import ContactStatus
from mailer.core.roster.merge import ROSTER_FIELDS
from mailer.store.bulk import bind_value, chunks, execute_many, insert_many
from mailer.store.tables import contact_sources, contacts, new_token_key, roster_imports

__all__ = [
    "ROSTER_COLUMNS",
    "SourceRow",
    "StoredContact",
    "finish_import",
    "insert_contacts",
    "load_register",
    "load_sources",
    "mark_missing",
    "start_import",
    "touch_sources",
    "update_contacts",
    "write_sources",
]

# The register columns a roster sets: the core decides them, storage only writes them.
ROSTER_COLUMNS = ROSTER_FIELDS


class StoredContact(NamedTuple):
    """A register contact as a roster import compares it."""

    id: int
    email: str
    values: tuple[str | None, ...]  # ROSTER_COLUMNS, in that order
    missing: bool  # missing_since is set


class SourceRow(NamedTuple):
    """A provenance row: the contact was last seen on `line` of roster file `source`."""

    contact_id: int
    source: str
    line: int


def load_register(conn: Connection) -> list[StoredContact]:
    """Every contact, in one query."""
    query = sa.select(
        contacts.c.id,
        contacts.c.email,
        *(contacts.c[name] for name in ROSTER_COLUMNS),
        contacts.c.missing_since.is_not(None),
    )
    return [
        StoredContact(id_, email, tuple(values), bool(missing))
        for id_, email, *values, missing in conn.execute(query)
    ]


def load_sources(conn: Connection, sources: Collection[str] | None = None) -> list[SourceRow]:
    """Every provenance row, or those of the given source files."""
    query = sa.select(
        contact_sources.c.contact_id, contact_sources.c.source, contact_sources.c.line
    )
    if sources is not None:
        query = query.where(contact_sources.c.source.in_(sorted(sources)))
    return [SourceRow(*row) for row in conn.execute(query)]


_INSERT_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "organisation",
    "org_type",
    "municipality",
    "region",
    "language",
    "role",
    "title",
    "status",
    "soft_streak",
    "created_at",
    "updated_at",
    "token_key",
)
_UPDATE_CONTACT = (
    "UPDATE contacts SET first_name = ?, last_name = ?, organisation = ?, org_type = ?, "
    "municipality = ?, region = ?, language = ?, role = ?, title = ?, missing_since = NULL, "
    "updated_at = ? WHERE id = ?"
)


def insert_contacts(
    conn: Connection, rows: Sequence[tuple[Any, ...]], at: datetime
) -> dict[str, int]:
    """Insert new contacts, active; each row is (email, *ROSTER_COLUMNS). Returns email -> id."""
    if not rows:
        return {}
    when = bind_value(conn, contacts.c.created_at, at)
    active = ContactStatus.ACTIVE.value
    # In email order: the unique email index then grows at its end, not at random pages.
    ordered = sorted(rows)
    insert_many(
        conn,
        "contacts",
        _INSERT_COLUMNS,
        [(*row, active, 0, when, when, new_token_key()) for row in ordered],
    )
    # One query for the new ids: nothing else in this transaction was created at `at`.
    created = {row[0] for row in rows}
    found = conn.execute(
        sa.select(contacts.c.email, contacts.c.id).where(contacts.c.created_at == at)
    )
    return {email: id_ for email, id_ in found if email in created}


def update_contacts(conn: Connection, rows: Sequence[tuple[Any, ...]], at: datetime) -> None:
    """Rewrite the roster fields of seen contacts and clear missing_since; each row is
    (id, *ROSTER_COLUMNS). Never touches status, status_reason, soft_streak or
    last_delivered_at: delivery state is not the roster's to change."""
    when = bind_value(conn, contacts.c.created_at, at)
    execute_many(conn, _UPDATE_CONTACT, [(*row[1:], when, row[0]) for row in rows])


def mark_missing(conn: Connection, ids: Sequence[int], at: datetime) -> None:
    """Set missing_since on the given contacts where it is not set yet (keeps the first date)."""
    for chunk in chunks(ids):
        conn.execute(
            sa.update(contacts)
            .where(contacts.c.id.in_(chunk), contacts.c.missing_since.is_(None))
            .values(missing_since=at)
        )


def write_sources(
    conn: Connection,
    *,
    import_id: int,
    at: datetime,
    insert: Sequence[tuple[int, str, int]],
    update: Sequence[tuple[int, str, int]],
    delete: Sequence[tuple[int, str]],
) -> None:
    """Provenance: insert new (contact_id, source, line) rows, update the line of existing
    ones, delete (contact_id, source) pairs that are no longer true."""
    when = bind_value(conn, contacts.c.created_at, at)
    insert_many(
        conn,
        "contact_sources",
        ("contact_id", "source", "line", "import_id", "imported_at"),
        [(cid, source, line, import_id, when) for cid, source, line in insert],
    )
    execute_many(
        conn,
        "UPDATE contact_sources SET line = ?, import_id = ?, imported_at = ? "
        "WHERE contact_id = ? AND source = ?",
        [(line, import_id, when, cid, source) for cid, source, line in update],
    )
    execute_many(
        conn, "DELETE FROM contact_sources WHERE contact_id = ? AND source = ?", list(delete)
    )


def touch_sources(
    conn: Connection, sources: Collection[str], *, import_id: int, at: datetime
) -> None:
    """Stamp this import on the provenance rows of the given files for every contact that is
    not missing (the import has just cleared or set missing_since), in one statement."""
    if not sources:
        return
    present = sa.select(contacts.c.id).where(contacts.c.missing_since.is_(None))
    conn.execute(
        sa.update(contact_sources)
        .where(
            contact_sources.c.source.in_(sorted(sources)),
            contact_sources.c.contact_id.in_(present),
            # rows written by this import already carry it (all of them on a first import)
            contact_sources.c.import_id.is_distinct_from(import_id),
        )
        .values(import_id=import_id, imported_at=at)
    )


def start_import(conn: Connection, at: datetime, files: list[str]) -> int:
    return int(
        conn.execute(
            sa.insert(roster_imports)
            .values(imported_at=at, files=files, summary={})
            .returning(roster_imports.c.id)
        ).scalar_one()
    )


def finish_import(conn: Connection, import_id: int, summary: Mapping[str, Any]) -> None:
    """The summary holds counts only: no email may outlive an erasure in an import log."""
    conn.execute(
        sa.update(roster_imports)
        .where(roster_imports.c.id == import_id)
        .values(summary=dict(summary))
    )
