"""Contact register tables: contacts, their provenance, their history, erasure counts."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.errors import StorageError
from mailer.models import ContactStatus
from mailer.store.base import UTCDateTime, metadata

T = TypeVar("T")

__all__ = [
    "ROSTER_COLUMNS",
    "change_status",
    "chunks",
    "contact_history",
    "contact_sources",
    "contacts",
    "erasures",
    "find_contact",
    "finish_import",
    "history_of",
    "insert_contacts",
    "list_contacts",
    "load_register",
    "load_sources",
    "mark_missing",
    "roster_imports",
    "sources_of",
    "start_import",
    "touch_sources",
    "update_contacts",
    "write_sources",
]

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # normalised: trimmed, lower-cased local part and domain; the merge key
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("first_name", sa.String(200), nullable=False),
    sa.Column("last_name", sa.String(200), nullable=False),
    sa.Column("organisation", sa.String(300), nullable=False),
    sa.Column("org_type", sa.String(20), nullable=False),
    sa.Column("municipality", sa.String(3), nullable=True),  # municipality code
    sa.Column("region", sa.String(8), nullable=False, index=True),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="active", index=True),
    sa.Column("status_reason", sa.Text, nullable=True),
    sa.Column("status_changed_at", UTCDateTime, nullable=True),
    # consecutive editions with soft failures and no delivery (bounce policy)
    sa.Column("soft_streak", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_delivered_at", UTCDateTime, nullable=True),
    sa.Column("missing_since", UTCDateTime, nullable=True),  # absent from a newer roster
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

roster_imports = sa.Table(
    "roster_imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.Column("files", sa.JSON, nullable=False),
    sa.Column("summary", sa.JSON, nullable=False),
)

# Provenance: where each contact was last seen, per source (a roster file name).
contact_sources = sa.Table(
    "contact_sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "contact_id", sa.Integer, sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("source", sa.String(300), nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("roster_imports.id"), nullable=True),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("contact_id", "source", name="uq_contact_sources_contact_source"),
)

# Status changes and notes (stale, unsubscribed, reactivated...): the history stays.
contact_history = sa.Table(
    "contact_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "contact_id", sa.Integer, sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("old_status", sa.String(16), nullable=True),
    sa.Column("new_status", sa.String(16), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("actor", sa.String(200), nullable=True),
    sa.Column("source", sa.String(64), nullable=True),
)

# GDPR erasure leaves only anonymised counts.
erasures = sa.Table(
    "erasures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("erased_at", UTCDateTime, nullable=False),
    sa.Column("region", sa.String(8), nullable=True),
    sa.Column("deliveries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("events", sa.Integer, nullable=False, server_default="0"),
)


def change_status(
    conn: Connection,
    contact_id: int,
    new_status: ContactStatus,
    *,
    at: datetime,
    kind: str,
    reason: str | None = None,
    source: str | None = None,
    actor: str | None = None,
    note: str | None = None,
) -> bool:
    """Set a contact's status and write the history row, in the caller's transaction.

    The one way every capability (bounce policy, unsubscribe link, admin reactivation) changes a
    status, so the history is never skipped. Returns False when the status was already `new_status`
    (nothing written: replayed events must not pile up history)."""
    old = conn.execute(
        sa.select(contacts.c.status).where(contacts.c.id == contact_id)
    ).scalar_one_or_none()
    if old is None or old == new_status.value:
        return False
    values: dict[str, object] = {
        "status": new_status.value,
        "status_reason": reason,
        "status_changed_at": at,
        "updated_at": at,
    }
    if new_status is ContactStatus.ACTIVE:
        values["soft_streak"] = 0
    conn.execute(sa.update(contacts).where(contacts.c.id == contact_id).values(**values))
    conn.execute(
        sa.insert(contact_history).values(
            contact_id=contact_id,
            at=at,
            kind=kind,
            old_status=old,
            new_status=new_status.value,
            note=note or reason,
            actor=actor,
            source=source,
        )
    )
    return True


# --- queries of the register (roster import, list, show, erase) -----------------------------

ROSTER_COLUMNS = (
    "first_name",
    "last_name",
    "organisation",
    "org_type",
    "municipality",
    "region",
    "language",
    "role",
)

_CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_register(conn: Connection) -> list[tuple[Any, ...]]:
    """Every contact as (id, email, *ROSTER_COLUMNS, missing: bool): one query."""
    query = sa.select(
        contacts.c.id,
        contacts.c.email,
        *(contacts.c[name] for name in ROSTER_COLUMNS),
        contacts.c.missing_since.is_not(None),
    )
    return [tuple(row) for row in conn.execute(query)]


def load_sources(conn: Connection, sources: Collection[str]) -> list[tuple[int, str, int]]:
    """(contact_id, source, line) of every provenance row for the given source files."""
    if not sources:
        return []
    query = sa.select(
        contact_sources.c.contact_id, contact_sources.c.source, contact_sources.c.line
    ).where(contact_sources.c.source.in_(sorted(sources)))
    return [(row[0], row[1], row[2]) for row in conn.execute(query)]


# Bulk statements go straight to the driver's executemany: SQLAlchemy's per-row parameter
# processing costs more than the database work at 100,000 rows (see bench/roster_import.py).
# The SQL is plain and portable; only the placeholder differs (sqlite3: ?, psycopg: %s).


_INSERT_CONTACT = (
    "INSERT INTO contacts (email, first_name, last_name, organisation, org_type, municipality, "
    "region, language, role, status, soft_streak, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_CONTACT = (
    "UPDATE contacts SET first_name = ?, last_name = ?, organisation = ?, org_type = ?, "
    "municipality = ?, region = ?, language = ?, role = ?, missing_since = NULL, "
    "updated_at = ? WHERE id = ?"
)


def _executemany(conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Run `sql` (with ? placeholders) for every row, at the driver's speed.

    sqlite3's executemany is a C loop. psycopg sends one statement per row (pipelined) and the
    round trips dominate, so on PostgreSQL an `INSERT INTO t (cols) VALUES (...)` becomes a
    COPY t (cols) FROM STDIN in the same transaction: PostgreSQL's bulk-load path (see the
    PostgreSQL manual, "Populating a Database")."""
    if not rows:
        return
    style = conn.dialect.paramstyle
    if style in ("format", "pyformat"):
        sql = sql.replace("?", "%s")
    elif style != "qmark":
        raise StorageError(f"unsupported DB-API paramstyle {style!r}")
    head, values, _ = sql.partition(" VALUES ")
    if conn.dialect.name == "postgresql" and values and head.startswith("INSERT INTO "):
        target = head.removeprefix("INSERT INTO ")  # "table (col, col, ...)"
        driver: Any = conn.connection.dbapi_connection
        with driver.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    conn.exec_driver_sql(sql, list(rows))


def _db_time(conn: Connection, at: datetime) -> Any:
    """`at` as the driver expects it for a UTCDateTime column (what SQLAlchemy would bind)."""
    processor = contacts.c.created_at.type.bind_processor(conn.dialect)
    return processor(at) if processor else at


def insert_contacts(
    conn: Connection, rows: Sequence[tuple[Any, ...]], at: datetime
) -> dict[str, int]:
    """Insert new contacts, active; each row is (email, *ROSTER_COLUMNS). Returns email -> id."""
    if not rows:
        return {}
    when = _db_time(conn, at)
    active = ContactStatus.ACTIVE.value
    _executemany(conn, _INSERT_CONTACT, [(*row, active, 0, when, when) for row in rows])
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
    when = _db_time(conn, at)
    _executemany(conn, _UPDATE_CONTACT, [(*row[1:], when, row[0]) for row in rows])


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
    when = _db_time(conn, at)
    _executemany(
        conn,
        "INSERT INTO contact_sources (contact_id, source, line, import_id, imported_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [(cid, source, line, import_id, when) for cid, source, line in insert],
    )
    _executemany(
        conn,
        "UPDATE contact_sources SET line = ?, import_id = ?, imported_at = ? "
        "WHERE contact_id = ? AND source = ?",
        [(line, import_id, when, cid, source) for cid, source, line in update],
    )
    _executemany(
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


def find_contact(conn: Connection, email: str) -> sa.RowMapping | None:
    return conn.execute(sa.select(contacts).where(contacts.c.email == email)).mappings().first()


def list_contacts(
    conn: Connection,
    *,
    region: str | None = None,
    language: str | None = None,
    status: str | None = None,
) -> list[sa.RowMapping]:
    query = sa.select(contacts).order_by(contacts.c.region, contacts.c.email)
    if region is not None:
        query = query.where(contacts.c.region == region)
    if language is not None:
        query = query.where(contacts.c.language == language)
    if status is not None:
        query = query.where(contacts.c.status == status)
    return list(conn.execute(query).mappings())


def sources_of(conn: Connection, contact_id: int) -> list[sa.RowMapping]:
    return list(
        conn.execute(
            sa.select(
                contact_sources.c.source, contact_sources.c.line, contact_sources.c.imported_at
            )
            .where(contact_sources.c.contact_id == contact_id)
            .order_by(contact_sources.c.imported_at, contact_sources.c.source)
        ).mappings()
    )


def history_of(conn: Connection, contact_id: int) -> list[sa.RowMapping]:
    return list(
        conn.execute(
            sa.select(contact_history)
            .where(contact_history.c.contact_id == contact_id)
            .order_by(contact_history.c.at, contact_history.c.id)
        ).mappings()
    )
