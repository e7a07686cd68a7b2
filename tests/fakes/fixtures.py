"""pytest fixtures for the fake SendGrid (registered via pytest_plugins in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.sendgrid_server import FakeSendGrid


@pytest.fixture
def fake_sendgrid() -> Iterator[FakeSendGrid]:
    """A fresh fake SendGrid per test on 127.0.0.1:<ephemeral>, validating every body with both
    validators (cross_check), stopped afterwards. Point the client at `fake_sendgrid.url`."""
    fake = FakeSendGrid(cross_check=True).start()
    try:
        yield fake
    finally:
        fake.stop()
    disagreements = fake.stats()["validator_disagreements"]
    assert not disagreements, f"fake SendGrid validators disagreed: {disagreements}"
