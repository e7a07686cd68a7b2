"""Shared by the workspace tests: cheap password hashing, a settable clock, accounts, a
browser-like cookie jar for the in-process client (which itself keeps no cookies), and the
`clock_ctx`, `make_browser` and `browser` fixtures (import them into a test module to use them)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
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
from mailer.web.app import create_app
from tests.asgi_client import AsgiClient

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


class Browser:
    """An in-process client that keeps cookies like a browser; `context` is the app's own
    ClockContext (move its clock to test timeouts)."""

    context: ClockContext

    def __init__(self, client: AsgiClient) -> None:
        self.client = client
        self.jar = Jar()

    def get(self, url: str, **headers: str) -> httpx.Response:
        return self.jar.take(self.client.get(url, headers=self.jar.headers(headers)))

    def post(self, url: str, data: dict[str, str], **headers: str) -> httpx.Response:
        return self.jar.take(self.client.post(url, data=data, headers=self.jar.headers(headers)))

    def log_in(self, email: str, password: str = PASSWORD, lang: str = "fi") -> httpx.Response:
        token = csrf_of(self.get(f"/login?lang={lang}").text)
        data = {"email": email, "password": password, "csrf_token": token, "lang": lang}
        return self.post("/login", data)


@pytest.fixture
def clock_ctx(ctx: Context) -> ClockContext:
    return ClockContext(ctx.settings, ctx.engine)


@pytest.fixture
def make_browser(clock_ctx: ClockContext) -> Iterator[Callable[..., Browser]]:
    made: list[AsgiClient] = []

    def make(**settings: Any) -> Browser:
        configured = clock_ctx.settings.model_copy(update=settings)
        context = ClockContext(configured, clock_ctx.engine)
        context.clock = clock_ctx.clock
        made.append(AsgiClient(create_app(configured, context)))
        browser = Browser(made[-1])
        browser.context = context
        return browser

    yield make
    for client in made:
        client.close()


@pytest.fixture
def browser(make_browser: Callable[..., Browser]) -> Browser:
    return make_browser()
