"""Shared by the workspace tests: cheap password hashing, a settable clock, accounts, and a
browser-like cookie jar for the in-process client (which itself keeps no cookies)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from mailer.config import Settings
from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline import Context
from mailer.pipeline import accounts as accounts_pipeline
from mailer.pipeline.accounts import add_user

PASSWORD = "Kuukausikirje-salasana-2026"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Argon2id with the smallest cost: the production profile takes 64 MiB and tens of ms."""
    monkeypatch.setattr(
        accounts_pipeline, "HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )
    yield


@dataclass
class ClockContext(Context):
    """A context whose clock the test moves (a fake, not a mock: the real code reads it)."""

    clock: datetime = field(default=T0)

    def now(self) -> datetime:
        return self.clock

    def advance(self, **delta: float) -> None:
        self.clock += timedelta(**delta)


def clock_context(settings: Settings, ctx: Context) -> ClockContext:
    return ClockContext(settings, ctx.engine)


def make_user(
    ctx: Context,
    email: str,
    role: UserRole,
    *,
    name: str | None = None,
    language: UiLanguage = UiLanguage.FI,
    password: str = PASSWORD,
) -> None:
    add_user(
        ctx,
        email=email,
        role=role,
        password=password,
        actor="cli:test",
        display_name=name,
        ui_language=language,
    )


class Jar:
    """The cookies a browser would hold, sent explicitly as a Cookie header."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def take(self, response: httpx.Response) -> httpx.Response:
        for header in response.headers.get_list("set-cookie"):
            parsed = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or not morsel.value.strip('"'):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, Any]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**({"Cookie": cookie} if cookie else {}), **(extra or {})}


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found is not None, "no csrf_token field on the page"
    return found.group(1)
