"""A synchronous in-process client for the FastAPI app: httpx over its ASGI transport.

Starlette's TestClient now wants the `httpx2` package and warns (an error under our pytest
settings) with plain httpx; httpx's own ASGITransport needs no extra dependency. Like a mail
client's one-click POST, it keeps no cookies and follows no redirects unless asked.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI

__all__ = ["AsgiClient"]


class AsgiClient:
    def __init__(self, app: FastAPI, base_url: str = "http://testserver") -> None:
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=base_url, follow_redirects=False
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self._client.cookies.clear()  # never carry a cookie from one request to the next
        return self._loop.run_until_complete(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()
