"""HTTP layer of the fake SendGrid: a threading HTTP/1.1 server and its request handler.

The handler reads every body completely (so keep-alive connections stay in sync), checks the
bearer key the way SendGrid answers it (401 without or with an unknown key, 403 for a key without
the needed scope), routes, and writes answers in SendGrid's error shape. What to answer is decided
by `FakeSendGrid` (tests/fakes/sendgrid_server.py), which the server carries as `.fake`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.sendgrid_rules import MAX_MESSAGE_BYTES
from tests.fakes.sendgrid_schema import Rejection
from tests.fakes.sendgrid_state import SUPPRESSION_LISTS

MAX_READ_BYTES = MAX_MESSAGE_BYTES + 8 * 1024 * 1024  # beyond this we stop reading and close
MAX_SUPPRESSION_LIMIT = 500  # spec: PaginationCommonLimit maximum
NOT_FOUND = Rejection(404, "not found")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    fake: Any  # the FakeSendGrid that decides the answers


def suppression_query(query: str) -> tuple[Rejection | None, dict[str, Any]]:
    """limit (1..500, default 500), offset (>= 0), start_time, end_time (unix s), email."""
    parsed = parse_qs(query)
    args: dict[str, Any] = {"limit": 500, "offset": 0, "start_time": None, "end_time": None}
    for name in args:
        if name in parsed:
            try:
                args[name] = int(parsed[name][0])
            except ValueError:
                return Rejection(400, f"{name} must be an integer", name), args
    if not 1 <= args["limit"] <= MAX_SUPPRESSION_LIMIT:
        return Rejection(400, "limit must be between 1 and 500", "limit"), args
    if args["offset"] < 0:
        return Rejection(400, "offset must be 0 or more", "offset"), args
    args["email"] = parsed.get("email", [None])[0]
    return None, args


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so clients can keep connections alive (urllib closes; httpx/requests reuse).
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the fake's records, not its access log."""

    def read_body(self) -> bytes | None:
        """Read the whole body (so keep-alive stays in sync); None if too big to read."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_READ_BYTES:
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes | None:
        """RFC 9112 section 7.1 chunked body (httpx sends one for streamed content)."""
        parts: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields: ignored
                return b"".join(parts)
            total += size
            if total > MAX_READ_BYTES:
                self.close_connection = True
                return None
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after each chunk

    def send(
        self, status: int, payload: Any = None, headers: Mapping[str, str] | None = None
    ) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if data:
            self.wfile.write(data)

    def reject(self, rejection: Rejection) -> None:
        self.send(rejection.status, rejection.body())

    def auth(self) -> Rejection | None:
        fake = self.server.fake
        header = self.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if not header:
            return Rejection(401, "authorization required")
        if scheme != "Bearer" or key not in (fake.api_key, fake.restricted_api_key):
            return Rejection(
                401, "The provided authorization grant is invalid, expired, or revoked"
            )
        if key == fake.restricted_api_key:
            return Rejection(403, "access forbidden")
        return None

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        raw = self.read_body()
        if path == "/v3/mail/send":
            self.server.fake.handle_mail_send(self, raw)
        elif path.startswith("/__fake/"):
            self.server.fake.handle_control(self, path, raw)
        else:
            self.reject(NOT_FOUND)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/__fake/stats":
            self.send(200, self.server.fake.stats())
            return
        name = parts.path.removeprefix("/v3/suppression/")
        if name == parts.path or name not in SUPPRESSION_LISTS:
            self.reject(NOT_FOUND)
            return
        rejection = self.auth()
        if rejection is None:
            rejection, args = suppression_query(parts.query)
        if rejection is not None:
            self.reject(rejection)
            return
        self.send(200, self.server.fake.suppression_page(name, **args))

    def do_PUT(self) -> None:
        self.read_body()
        self.reject(Rejection(405, "method not allowed"))

    do_DELETE = do_PATCH = do_PUT
