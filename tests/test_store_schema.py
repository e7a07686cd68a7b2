"""The storage contract: migrations build exactly the tables the code declares, on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from mailer.store.base import create_db_engine, current_revision, metadata, migrate
from mailer.store.editions import editions


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

    from mailer.store import ledger
    from mailer.store.base import _alembic_config
    from tests.test_send_support import add_contacts, people

    ids = add_contacts(engine, people(3))
    now = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(ledger.deliveries),
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
