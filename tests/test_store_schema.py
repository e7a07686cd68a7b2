"""The storage contract: migrations build exactly the tables the code declares, on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from mailer.store.base import create_db_engine, current_revision, metadata, migrate
from mailer.store.tables import editions


def test_migrations_match_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrate_is_idempotent(engine: Engine) -> None:
    before = current_revision(engine)
    migrate(engine)
    assert current_revision(engine) == before is not None


def test_utc_columns_round_trip_as_aware_utc(engine: Engine) -> None:
    helsinki_summer = timezone(timedelta(hours=3))
    written = datetime(2026, 6, 1, 9, 0, tzinfo=helsinki_summer)
    with engine.begin() as conn:
        conn.execute(sa.insert(editions).values(month="2026-06", created_at=written))
    with engine.connect() as conn:
        read = conn.execute(sa.select(editions.c.created_at)).scalar_one()
    assert read == written
    assert read.tzinfo is not None and read.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(sa.exc.StatementError), engine.begin() as conn:
        conn.execute(sa.insert(editions).values(month="2026-07", created_at=datetime(2026, 7, 1)))


def test_an_empty_sqlite_file_is_migrated_on_first_use(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'sub' / 'fresh.db'}")
    try:
        assert "contacts" in sa.inspect(engine).get_table_names()
        assert current_revision(engine) is not None
    finally:
        engine.dispose()


def test_aware_utc_now_is_used_for_defaults() -> None:
    from mailer.store.base import utcnow

    assert utcnow().tzinfo is UTC


def test_the_ledger_index_migration_goes_down_and_up_with_rows_in_place(engine: Engine) -> None:
    from alembic import command

    from mailer.store import ledger, tables
    from mailer.store.base import _alembic_config
    from tests.test_send_support import add_contacts, people

    ids = add_contacts(engine, people(3))
    now = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(tables.deliveries),
            [
                {
                    "delivery_id": f"00000000-0000-7000-8000-00000000000{i}",
                    "edition": "2026-11",
                    "contact_id": cid,
                    "email": f"p{i}@koulu.example",
                    "region": "hyks",
                    "language": "fi",
                    "state": "queued",
                    "queued_at": now,
                }
                for i, cid in enumerate(ids)
            ],
        )

    def index_names() -> set[str]:
        return {str(ix["name"]) for ix in sa.inspect(engine).get_indexes("deliveries")}

    try:
        command.downgrade(_alembic_config(engine), "0001")
        assert {"ix_deliveries_state", "ix_deliveries_edition_state"} <= index_names()
        assert "ix_deliveries_queued" not in index_names()
    finally:
        migrate(engine)
    assert {"ix_deliveries_queued", "ix_deliveries_sending"} <= index_names()
    assert "ix_deliveries_state" not in index_names()
    with engine.begin() as conn:
        claimed = ledger.claim_batch(
            conn,
            batch_id="5f0c3c1e-2b7a-4f4e-9d6a-000000000001",
            edition="2026-11",
            region="hyks",
            language="fi",
            limit=10,
            worker="test",
            now=now,
        )
    assert claimed == 3


def _plan_of(conn: sa.Connection, query: sa.Select[Any]) -> str:
    """The plan the backend uses for `query` with bound parameters, as the code runs it. On
    PostgreSQL the generic plan of a prepared statement (psycopg prepares a statement once it has
    run five times, and the server may then stop looking at the values)."""
    if conn.dialect.name == "sqlite":
        compiled = query.compile(conn)
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled.string}", params)
        return " ".join(str(row[-1]) for row in rows)
    dollar = query.compile(dialect=type(conn.dialect)(paramstyle="numeric_dollar"))
    values = ", ".join(
        f"'{v}'" if isinstance(v, str) else str(v)  # test constants only
        for v in (dollar.params[name] for name in dollar.positiontup or ())
    )
    conn.exec_driver_sql("SET enable_seqscan = off")  # tiny tables: make indexes the only way
    conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    conn.exec_driver_sql(f"PREPARE hot AS {dollar.string}")
    try:
        rows = conn.exec_driver_sql(f"EXPLAIN EXECUTE hot({values})")
        return " ".join(str(row[0]) for row in rows)
    finally:
        conn.exec_driver_sql("DEALLOCATE hot")


def test_the_ledger_hot_queries_walk_the_partial_indexes(engine: Engine) -> None:
    """A partial index is used only when the query itself proves its condition; a bound
    `state = $1` cannot in PostgreSQL's generic plan, and the claim would scan the edition."""
    from mailer.store import ledger, tables

    d = tables.deliveries.c
    queries = {
        "ix_deliveries_queued": ledger.next_queued("2026-11", "hyks", "fi", 1000),
        "ix_deliveries_sending": sa.select(d.batch_id).where(
            d.edition == "2026-11", tables.IS_SENDING
        ),
        "ix_deliveries_batch_id": sa.select(d.id).where(d.batch_id == "b", d.state == "sending"),
    }
    with engine.connect() as conn:
        for index, query in queries.items():
            plan = _plan_of(conn, query)
            assert f"{index} " in f"{plan} ", (index, plan)
