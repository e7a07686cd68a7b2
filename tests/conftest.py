"""Shared fixtures.

`engine` is the storage contract fixture: every test that takes it runs on SQLite always and on
PostgreSQL when MAILER_TEST_POSTGRES_URL is set (.ci/run sets it). Each test session gets its own
PostgreSQL database (created here and dropped at the end), so parallel runs never meet; each test
starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mailer.config import Settings
from mailer.pipeline import Context
from mailer.store.base import create_db_engine, metadata, migrate

pytest_plugins = ["tests.fakes.fixtures"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
POSTGRES_URL = os.environ.get("MAILER_TEST_POSTGRES_URL")

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                not POSTGRES_URL, reason="MAILER_TEST_POSTGRES_URL is not set (CI sets it)"
            ),
        ],
    ),
]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is the slow part)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated; dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("MAILER_TEST_POSTGRES_URL is not set (CI sets it)")
    admin_url = sa.make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"mailer_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = create_db_engine(url)
    migrate(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _truncate_all(engine: Engine) -> None:
    names = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"
            )
            conn.exec_driver_sql("DROP TABLE IF EXISTS apscheduler_jobs")
        else:
            for name in names:
                conn.exec_driver_sql(f'DELETE FROM "{name}"')


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL with the migrated schema and no rows, on each backend."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "mailer.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    engine = create_db_engine(url)
    _truncate_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = create_db_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Settings for one test: its own database and var/ folder, the repository's content."""
    return Settings(
        database_url=db_url,
        var_dir=tmp_path / "var",
        letters_dir=ROOT / "letters",
        templates_dir=ROOT / "templates",
        recipients_dir=ROOT / "recipients",
        schedules_dir=ROOT / "schedules",
        secret_key="test-secret-key-for-signing-tokens",  # type: ignore[arg-type]
        public_url="https://vipu.example",
    )


@pytest.fixture
def ctx(settings: Settings, engine: Engine) -> Iterator[Context]:
    context = Context(settings, engine)
    yield context


@pytest.fixture(autouse=True)
def _no_ambient_mailer_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their settings explicitly; a developer's MAILER_* variables must not leak in."""
    for name in list(os.environ):
        if name.startswith("MAILER_") and name != "MAILER_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"]


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (never Playwright's own browser download).

    Skips with the reason when Chromium or Playwright is not installed on this machine.
    Module scope on purpose: Playwright's sync API keeps an asyncio loop running in the main
    thread while it is open, which would break every later test that runs a loop of its own."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed (Debian package `chromium`; .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite the golden renders under tests/fixtures/golden/ instead of comparing",
    )
