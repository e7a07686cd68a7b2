"""The fake SendGrid in its own process, for benches (validation runs on another CPU core).

    with start_subprocess() as fake:
        provider_host = fake.url
        ...
        fake.stats()["unique_delivery_ids"]

The child records counts and hashed delivery ids / addresses, not whole bodies
(record_bodies=False), so a 1,000,000-recipient run stays small in memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from tests.fakes.sendgrid_server import DEFAULT_API_KEY, DEFAULT_RESTRICTED_KEY

ROOT = Path(__file__).resolve().parents[2]


class FakeSendGridProcess:
    """Handle on a fake SendGrid child process: url, api_key, stats(), inject(), reset(), stop()."""

    def __init__(self, proc: subprocess.Popen[str], url: str, api_key: str) -> None:
        self.proc = proc
        self.url = url
        self.api_key = api_key
        self.restricted_api_key = DEFAULT_RESTRICTED_KEY

    def _call(self, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(
            self.url + path, data=data, method="GET" if data is None else "POST"
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def env(self) -> dict[str, str]:
        """MAILER_* environment that points the app's SendGrid provider at this fake."""
        return {
            "MAILER_PROVIDER": "sendgrid",
            "MAILER_SENDGRID_API_KEY": self.api_key,
            "MAILER_SENDGRID_HOST": self.url,
            # what `send` and `serve` demand of a real provider (mailer/pipeline/startup.py)
            "MAILER_SECRET_KEY": "test-secret-key-for-signing-tokens",
            "MAILER_PUBLIC_URL": "https://vipu.example",
        }

    def stats(self) -> dict[str, Any]:
        """Counts from the child: requests, accepted_requests, personalizations, recipients,
        unique_delivery_ids, duplicate_delivery_ids, unique_recipients, duplicate_recipients,
        statuses, faults, validation_seconds, validation_max_ms, validator_disagreements."""
        result: dict[str, Any] = self._call("/__fake/stats")
        return result

    def inject(self, kind: str | int, count: int = 1, **params: Any) -> None:
        self._call("/__fake/inject", {"kind": str(kind), "count": count, "params": params})

    def inject_random(
        self, seed: int, rates: dict[str, float], params: dict[str, Any] | None = None
    ) -> None:
        self._call("/__fake/inject_random", {"seed": seed, "rates": rates, "params": params})

    def add_suppression(self, list_name: str, email: str, **fields: Any) -> None:
        self._call("/__fake/suppressions", {"list_name": list_name, "email": email, **fields})

    def reset(self) -> None:
        self._call("/__fake/reset", {})

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> FakeSendGridProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_subprocess(
    api_key: str = DEFAULT_API_KEY, *, record_bodies: bool = False, cross_check: bool = False
) -> FakeSendGridProcess:
    """Start `python -m tests.fakes.sendgrid_server --port 0` and wait for its URL line."""
    cmd = [sys.executable, "-m", "tests.fakes.sendgrid_server", "--port", "0", "--api-key", api_key]
    if not record_bodies:
        cmd.append("--no-record-bodies")
    if cross_check:
        cmd.append("--cross-check")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("URL "):
        proc.kill()
        proc.wait()
        raise RuntimeError(f"fake SendGrid process did not start (said {line!r})")
    return FakeSendGridProcess(proc, line.removeprefix("URL "), api_key)
