"""pytest fixtures for the fake SendGrid (registered via pytest_plugins in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.sendgrid_server import FakeSendGrid


@pytest.fixture
def fake_sendgrid() -> Iterator[FakeSendGrid]:
    """A fresh fake SendGrid per test on 127.0.0.1:<ephemeral>, stopped afterwards. Bodies of up
    to 100 personalizations are validated by both validators (cross_check); a disagreement fails
    the test. Point the client at `fake_sendgrid.url` with `fake_sendgrid.api_key`."""
    fake = FakeSendGrid(cross_check=True).start()
    try:
        yield fake
    finally:
        fake.stop()
    disagreements = fake.stats()["validator_disagreements"]
    assert not disagreements, f"fake SendGrid validators disagreed: {disagreements}"
