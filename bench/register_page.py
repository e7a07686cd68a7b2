"""The workspace register with 10,000 contacts: one page of the list (count + 50 rows) per
filter, and the whole filtered register as CSV and XLSX, on SQLite (and PostgreSQL when
MAILER_TEST_POSTGRES_URL is set; it uses a scratch database of its own).

    .venv/bin/python bench/register_page.py [--contacts 10000] [--repeat 20]

Prints the median wall time per page view and per export.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailer.config import Settings  # noqa: E402
from mailer.core.models import ContactStatus, Region  # noqa: E402
from mailer.pipeline import Context  # noqa: E402
from mailer.pipeline.register_browse import RegisterFilter, register_page  # noqa: E402
from mailer.pipeline.register_export import ExportFormat, export_register  # noqa: E402
from mailer.store.base import create_db_engine, migrate  # noqa: E402
from mailer.store.tables import contacts, new_token_key  # noqa: E402

FILTERS = {
    "no filter, page 1": (RegisterFilter(), 0),
    "no filter, page 100": (RegisterFilter(), 99 * 50),
    "search 'virta'": (RegisterFilter(search="virta"), 0),
    "region tyks": (RegisterFilter(region=Region.TYKS), 0),
    "status stale": (RegisterFilter(status=ContactStatus.STALE), 0),
    "suspect": (RegisterFilter(suspect=True), 0),
}


def fill(ctx: Context, count: int) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    regions = [r.value for r in Region]
    rows = [
        {
            "email": f"henkilo{n:05}@kunta{n % 300:03}.example",
            "first_name": f"Etu{n}",
            "last_name": ("Virtanen", "Korhonen", "Lind", "Nieminen")[n % 4] + str(n),
            "organisation": f"Kunta {n % 300:03}",
            "org_type": "municipality",
            "municipality": None,
            "region": regions[n % 5],
            "language": "sv" if n % 7 == 0 else "fi",
            "role": ("support", "welfare", "ecec")[n % 3],
            "status": "active" if n % 10 else ("stale" if n % 20 else "unsubscribed"),
            "soft_streak": 1 if n % 50 == 0 else 0,
            "created_at": now,
            "updated_at": now,
            "token_key": new_token_key(),
        }
        for n in range(count)
    ]
    with ctx.engine.begin() as conn:
        conn.execute(sa.insert(contacts), rows)


def median(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def bench(url: str, label: str, count: int, repeat: int) -> None:
    engine = create_db_engine(url)
    migrate(engine)
    ctx = Context(Settings(database_url=url), engine)
    fill(ctx, count)
    print(f"{label}, {count} contacts:")
    for name, (chosen, offset) in FILTERS.items():
        ms = median(lambda c=chosen, o=offset: register_page(ctx, c, offset=o, limit=50), repeat)
        print(f"  page   {name:28} {ms:7.1f} ms")
    for kind in ExportFormat:
        ms = median(lambda k=kind: export_register(ctx, RegisterFilter(), k, actor="bench"), 3)
        print(f"  export {kind.value:28} {ms:7.1f} ms (all contacts)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench(f"sqlite:///{folder}/bench.db", "SQLite", args.contacts, args.repeat)
    admin_url = os.environ.get("MAILER_TEST_POSTGRES_URL")
    if admin_url:
        name = f"mailer_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
            bench(url, "PostgreSQL", args.contacts, args.repeat)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
