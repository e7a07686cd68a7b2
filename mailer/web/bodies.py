"""Request bodies read with a bound: bytes are counted as they arrive, so a chunked body without
Content-Length (or with a false one) cannot make the server hold more than `limit` bytes.
A 600 MB chunked POST to /u/x once grew `mailer serve` from 102 MB to 1.2 GB."""

from __future__ import annotations

from fastapi import Request

__all__ = ["BodyTooLargeError", "read_limited"]


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
