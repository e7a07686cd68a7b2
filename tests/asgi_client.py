"""A synchronous in-process client for the FastAPI app: httpx over its ASGI transport.

Starlette's TestClient now wants the `httpx2` package and warns (an error under our pytest
settings) with plain httpx; httpx's own ASGITransport needs no extra dependency. Like a mail
client's one-click POST, it keeps no cookies and follows no redirects unless asked.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

__all__ = ["AsgiClient"]

R = TypeVar("R")


class AsgiClient:
    """The event loop runs in its own thread: the test's thread may already have one running
    (Playwright's sync API keeps a loop for the whole session)."""

    def __init__(
        self,
        app: FastAPI,
        base_url: str = "http://testserver",
        transport_client: tuple[str, int] = ("127.0.0.1", 123),
    ) -> None:
        self.app = app  # tests reach the app's state (e.g. to wait for a background send)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=transport_client),
            base_url=base_url,
            follow_redirects=False,
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self._client.cookies.clear()  # never carry a cookie from one request to the next
        return self._run(self._client.request(method, url, **kwargs))

    def _run(self, coro: Coroutine[Any, Any, R]) -> R:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=60)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self._run(self._client.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
