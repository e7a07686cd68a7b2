"""Bulk reads and writes at the driver's speed: the one `chunks` for `IN (...)` lists, and the one
way rows are bound and written many at a time (executemany, COPY on PostgreSQL).

SQLAlchemy's per-row parameter processing costs more than SQLite's insert itself at a million
rows, so these writers hand DB-API tuples straight to the driver, each value converted by its
column type's own bind processor (stored exactly as SQLAlchemy would store it)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.core.errors import StorageError

__all__ = [
    "IN_IDS",
    "bind_rows",
    "bind_value",
    "chunks",
    "execute_many",
    "insert_many",
]

T = TypeVar("T")

# Values per `IN (...)` list. SQLite allows 32766 bound parameters per statement, PostgreSQL 65535:
# stay far below both.
CHUNK = 900
# one expanding parameter for `IN (...)`: compiled once, no per-element literal coercion
IN_IDS: sa.BindParameter[Any] = sa.bindparam("ids", expanding=True)


def chunks(items: Collection[T], size: int = CHUNK) -> Iterator[list[T]]:
    """`items` in lists of at most `size`, in their order."""
    seq = list(items)
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def bind_value(conn: Connection, column: sa.Column[Any], value: Any) -> Any:
    """`value` as the driver expects it for `column` (what SQLAlchemy would bind)."""
    dialect = conn.dialect
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor(value) if processor else value


def bind_rows(
    conn: Connection, table: sa.Table, names: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> list[tuple[Any, ...]]:
    """Rows (column -> value) as DB-API parameter tuples in the order of `names`, each value
    through its column type's bind processor (UTC datetimes, JSON, booleans)."""
    dialect = conn.dialect
    procs = [
        (i, proc)
        for i, name in enumerate(names)
        if (proc := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    out: list[tuple[Any, ...]] = []
    # values repeated from the row before (the receive time, mostly) are processed once
    last_in: list[Any] = [object()] * len(names)
    last_out: list[Any] = [None] * len(names)
    for row in rows:
        values = [row[name] for name in names]
        for i, proc in procs:
            value = values[i]
            if value is last_in[i]:
                values[i] = last_out[i]
            else:
                last_in[i] = value
                values[i] = last_out[i] = proc(value)
        out.append(tuple(values))
    return out


def _driver_sql(conn: Connection, sql: str) -> str:
    """`sql` written with `?` placeholders, in the driver's paramstyle."""
    style = conn.dialect.paramstyle
    if style in ("format", "pyformat"):
        return sql.replace("?", "%s")
    if style != "qmark":
        raise StorageError(f"unsupported DB-API paramstyle {style!r}")
    return sql


def execute_many(conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> int:
    """Run `sql` (with `?` placeholders, constant text: never a value formatted in) for every
    row in the driver's executemany (sqlite3's is a C loop); returns the row count."""
    if not rows:
        return 0
    return int(conn.exec_driver_sql(_driver_sql(conn, sql), list(rows)).rowcount)


def insert_many(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    on_conflict: str | None = None,
) -> int:
    """Insert DB-API tuples (already bound: `bind_rows`, `bind_value`) into `table`'s `columns`;
    returns the number of rows written.

    Without `on_conflict`, PostgreSQL gets the rows through COPY ... FROM STDIN in the same
    transaction: psycopg's executemany sends one statement per row and the round trips dominate,
    COPY is PostgreSQL's bulk-load path (PostgreSQL manual, "Populating a Database").
    `on_conflict` (e.g. "ON CONFLICT (x) DO NOTHING") follows the VALUES list on both backends."""
    if not rows:
        return 0
    target = f"{table} ({', '.join(columns)})"
    if on_conflict is None and conn.dialect.name == "postgresql":
        return _copy(conn, target, rows)
    marks = ", ".join("?" * len(columns))
    # table and column names are constants of the callers; values only travel as parameters
    sql = f"INSERT INTO {target} VALUES ({marks})"  # noqa: S608
    if on_conflict is not None:
        sql = f"{sql} {on_conflict}"
    return execute_many(conn, sql, rows)


def _copy(conn: Connection, target: str, rows: Sequence[tuple[Any, ...]]) -> int:
    driver: Any = conn.connection.dbapi_connection
    try:
        with driver.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.Error as err:  # the driver's, not wrapped by SQLAlchemy
        raise StorageError(f"bulk write to {target.split(maxsplit=1)[0]} failed: {err}") from err
    return len(rows)
