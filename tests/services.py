"""Real processes for end-to-end and fault tests: `mailer serve` and `mailer send` as a user runs
them, against a test database and the fake SendGrid, over real HTTP on loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from mailer.config import Settings
from mailer.providers.sendgrid.signature import generate_key_pair, signed_headers

__all__ = [
    "WebService",
    "free_port",
    "local_url",
    "mailer_env",
    "post_events",
    "production_like",
    "run_mailer",
]

ROOT = Path(__file__).resolve().parent.parent


PUBLIC_URL = "https://vipu.example"


def local_url(public: str, port: int) -> str:
    """A link of the letter (under PUBLIC_URL) as the test reaches it: the loopback `serve`."""
    assert public.startswith(PUBLIC_URL + "/"), public
    return f"http://127.0.0.1:{port}" + public.removeprefix(PUBLIC_URL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_like(settings: Settings, fake: Any, **update: Any) -> tuple[Settings, int, Any]:
    """`settings` as production runs: SendGrid (the fake), a signed webhook and an https public
    URL (production refuses http: mail clients need https one-click links) served, as behind a
    TLS proxy, by `mailer serve` on a free loopback port (`local_url` maps one to the other).
    Returns (settings, port, webhook signing key)."""
    private_key, public_key = generate_key_pair()
    port = free_port()
    prod = settings.model_copy(
        update={
            "provider": "sendgrid",
            "sendgrid_api_key": SecretStr(fake.api_key),
            "sendgrid_host": fake.url,
            "public_url": PUBLIC_URL,
            "sendgrid_webhook_public_key": public_key,
            **update,
        }
    )
    return prod, port, private_key


def mailer_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a `mailer` process needs to act on the same data as `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILER_")}
    values: dict[str, Any] = {
        "DATABASE_URL": settings.database_url,
        "VAR_DIR": settings.var_dir,
        "LETTERS_DIR": settings.letters_dir,
        "TEMPLATES_DIR": settings.templates_dir,
        "RECIPIENTS_DIR": settings.recipients_dir,
        "SCHEDULES_DIR": settings.schedules_dir,
        "PROVIDER": settings.provider,
        "SENDGRID_HOST": settings.sendgrid_host,
        "PUBLIC_URL": settings.public_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
    }
    if settings.sendgrid_api_key is not None:
        values["SENDGRID_API_KEY"] = settings.sendgrid_api_key.get_secret_value()
    if settings.sendgrid_webhook_public_key:
        values["SENDGRID_WEBHOOK_PUBLIC_KEY"] = settings.sendgrid_webhook_public_key
    env.update({f"MAILER_{k}": str(v) for k, v in values.items()})
    env.update(extra)
    return env


def run_mailer(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailer", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class WebService:
    """`mailer serve` in its own process on a free loopback port; can be SIGKILLed and restarted."""

    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.env = env
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> WebService:
        # A local handle: a fault test's killer thread may kill (and forget) it meanwhile.
        proc = subprocess.Popen(
            [sys.executable, "-m", "mailer", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.process = proc
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"mailer serve exited {proc.returncode}: {err}")
            try:
                httpx.get(f"{self.url}/u/probe", timeout=1.0)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError("mailer serve did not start listening in time")

    def running(self) -> bool:
        proc = self.process
        return proc is not None and proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, exactly what a crash looks like."""
        proc = self.process
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


def post_events(
    url: str, private_key: Any, events: list[dict[str, Any]], timeout: float = 30.0
) -> httpx.Response:
    """POST one batch as SendGrid does: raw JSON body, ECDSA-signed with the timestamp."""
    body = json.dumps(events).encode()
    return httpx.post(
        f"{url}/webhooks/sendgrid",
        content=body,
        headers=signed_headers(private_key, body, now=time.time()),
        timeout=timeout,
    )
