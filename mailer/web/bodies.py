"""Request bodies read with a bound: bytes are counted as they arrive, so a chunked body without
Content-Length (or with a false one) cannot make the server hold more than `limit` bytes.
A 600 MB chunked POST to /u/x once grew `mailer serve` from 102 MB to 1.2 GB."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request

__all__ = ["PUBLIC_MAX_BODY", "BodyLimit", "BodyTooLargeError", "read_limited"]

# Every form of the public pages (one-click unsubscribe: 26 bytes; a login: a few hundred).
PUBLIC_MAX_BODY = 64 * 1024

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]


class BodyTooLargeError(Exception):
    """The body is larger than the route accepts (answer 413 and read no further)."""


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, or BodyTooLargeError as soon as more than `limit` bytes are declared or
    have arrived. The body is kept on the request, so `request.form()` parses these bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:  # a chunked body has no Content-Length: count as it comes
            raise BodyTooLargeError
        chunks.append(chunk)
    body = b"".join(chunks)
    # Starlette's own cache of the body (request.body() sets the same attribute): form() and
    # body() then read these bytes instead of the already consumed stream.
    request._body = body
    return body


class BodyLimit:
    """ASGI middleware: every request with a body, on every route but the `exempt` prefixes
    (which bound their own, like the webhook), is read up to `limit` bytes before the route
    runs; above it the answer is 413 and the rest is never read. Routes added later (a login
    form, ...) are covered without doing anything."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int = PUBLIC_MAX_BODY,
        exempt: tuple[str, ...] = (),
        wider: tuple[tuple[str, int], ...] = (),
    ):
        # `wider`: (path prefix, limit) for the routes that take more, counted the same way
        self.app, self.limit, self.exempt, self.wider = app, limit, exempt, wider

    def _limit(self, path: str) -> int:
        return next((n for prefix, n in self.wider if path.startswith(prefix)), self.limit)

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        body = await self._read(scope, receive, self._limit(str(scope["path"])))
        if body is None:
            await _too_large(send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # then only http.disconnect

        await self.app(scope, replay, send)

    async def _read(self, scope: Message, receive: Receive, limit: int) -> bytes | None:
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away: the route sees an empty body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:  # chunked or lying about its length: counted as it comes
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


async def _too_large(send: Send) -> None:
    body = b"request body too large"
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
