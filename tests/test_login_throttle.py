"""Login throttling (mailer/pipeline/throttle.py): failures are counted in the database, so every
`mailer serve` process sees them; a client over the limit is refused with a Retry-After (the
workspace login's own answers: tests/test_workspace.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mailer.pipeline import Context
from mailer.pipeline.throttle import (
    DEFAULT_POLICY,
    check_and_record_failure,
    login_allowed,
    record_success,
)
from mailer.web.app import create_app
from tests.asgi_client import AsgiClient

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PASSWORD = "Kuukausikirje-2026!"
LIMIT = DEFAULT_POLICY.max_failures


@dataclass
class ClockContext(Context):
    at: datetime = T0

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def clock(ctx: Context) -> ClockContext:
    return ClockContext(ctx.settings, ctx.engine)


def _fail(clock: ClockContext, times: int, key: str = "192.0.2.1") -> list[bool]:
    return [check_and_record_failure(clock, "admin", key).allowed for _ in range(times)]


def test_a_client_is_refused_after_the_allowed_failures(clock: ClockContext) -> None:
    assert _fail(clock, LIMIT) == [True] * (LIMIT - 1) + [False]
    verdict = login_allowed(clock, "admin", "192.0.2.1")
    assert not verdict.allowed
    assert verdict.retry_after == int(DEFAULT_POLICY.window.total_seconds())


def test_other_clients_and_other_scopes_are_not_affected(clock: ClockContext) -> None:
    _fail(clock, LIMIT)
    assert login_allowed(clock, "admin", "192.0.2.2").allowed
    assert login_allowed(clock, "workspace", "192.0.2.1").allowed


def test_the_refusal_ends_with_the_window_and_counting_starts_again(clock: ClockContext) -> None:
    _fail(clock, LIMIT)
    clock.at = T0 + DEFAULT_POLICY.window - timedelta(seconds=1)
    assert login_allowed(clock, "admin", "192.0.2.1").retry_after == 1
    clock.at = T0 + DEFAULT_POLICY.window
    assert login_allowed(clock, "admin", "192.0.2.1").allowed
    assert check_and_record_failure(clock, "admin", "192.0.2.1").failures == 1


def test_a_success_clears_the_failures(clock: ClockContext) -> None:
    _fail(clock, LIMIT - 1)
    record_success(clock, "admin", "192.0.2.1")
    assert login_allowed(clock, "admin", "192.0.2.1").failures == 0


def test_concurrent_failures_are_all_counted(clock: ClockContext) -> None:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: check_and_record_failure(clock, "admin", "k"), range(12)))
    assert login_allowed(clock, "admin", "k").failures == 12


def test_client_keys_are_not_stored_in_clear(clock: ClockContext) -> None:
    _fail(clock, 1, key="198.51.100.7")
    with clock.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT scope, key_digest FROM login_failures").all()
    assert len(stored) == 1 and "198.51.100.7" not in str(stored)


# --- the admin login -------------------------------------------------------------------------

MakeClient = Callable[..., AsgiClient]


@pytest.fixture
def make_client(ctx: Context) -> Iterator[MakeClient]:
    made: list[AsgiClient] = []

    def make(client: str = "192.0.2.1", **settings: Any) -> AsgiClient:
        configured = ctx.settings.model_copy(update=settings)
        app = create_app(configured, Context(configured, ctx.engine))
        made.append(AsgiClient(app, transport_client=(client, 50000)))
        return made[-1]

    yield make
    for made_client in made:
        made_client.close()


def test_the_asgi_client_reports_the_given_address() -> None:
    transport = httpx.ASGITransport(app=lambda *_: None, client=("192.0.2.5", 1))
    assert transport.client == ("192.0.2.5", 1)
