"""The real FastAPI app under uvicorn in a thread on a free loopback port, for the browser tests
(Chromium needs a real HTTP server; in-process ASGI clients serve every other test)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from fastapi import FastAPI

__all__ = ["free_port", "serve"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(make_app: Callable[[int], FastAPI]) -> Iterator[str]:
    """Serve the app `make_app(port)` builds (it may need its own address, e.g. as its public
    URL) and yield its base URL; the server is stopped on the way out."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            make_app(port), host="127.0.0.1", port=port, log_level="error", access_log=False
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:  # uvicorn exposes no event for this; poll its own flag
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
