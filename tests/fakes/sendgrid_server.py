"""A faithful fake SendGrid v3 HTTP server for tests and benches (never the real API).

Usage in tests (the `fake_sendgrid` fixture does this)::

    with FakeSendGrid() as fake:
        client = sendgrid.SendGridAPIClient(fake.api_key, host=fake.url)
        client.send(message)            # POST {fake.url}/v3/mail/send
        fake.requests[0].body           # the JSON that was actually sent

For benches, `start_subprocess()` runs the same server in its own process (validation then uses
the other CPU core) and returns a `FakeSendGridProcess` handle with `.url`, `.api_key`, `.stats()`.
Run by hand: ``python -m tests.fakes.sendgrid_server --port 0`` prints ``URL http://127.0.0.1:N``.

Endpoints: POST /v3/mail/send (validation: see tests/fakes/sendgrid_rules.py), GET
/v3/suppression/{bounces,blocks,invalid_emails,spam_reports,unsubscribes} (limit <= 500, offset,
start_time, end_time, email), and unauthenticated control endpoints under /__fake/ (stats, reset,
inject, inject_random, suppressions) used by the subprocess handle.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any

from tests.fakes import sendgrid_events
from tests.fakes.sendgrid_http import NOT_FOUND, Handler, Server
from tests.fakes.sendgrid_rules import MAX_MESSAGE_BYTES, validate_mail_send
from tests.fakes.sendgrid_schema import Rejection, warm_up
from tests.fakes.sendgrid_state import (
    AcceptedPersonalization,
    Attempt,
    FakeState,
    Fault,
    RecordedRequest,
)

DEFAULT_API_KEY = "SG.fake-full-access.key-for-tests-only"
DEFAULT_RESTRICTED_KEY = "SG.fake-restricted.no-mail-send-scope"
# Injectable plain errors: status -> (default message, default field).
_FORCED: dict[str, tuple[str, str | None]] = {
    "400": ("Does not contain a valid address.", "personalizations.0.to.0.email"),
    "401": ("The provided authorization grant is invalid, expired, or revoked", None),
    "403": ("access forbidden", None),
    "413": ("content too large", None),
    "500": ("internal server error", None),
    "503": ("service unavailable", None),
}


class FakeSendGrid:
    """The fake SendGrid server (one per test; see module docstring). Public API:

    Attributes: url, api_key, restricted_api_key (a valid key without mail.send: 403),
    requests (list[RecordedRequest]: accepted 202 requests with .body, .message_id, .received_at),
    sandbox_requests, attempts (list[Attempt]: every mail-send request with status, fault,
    message_id, error_field, error_message).
    Methods: start(), stop() (or use as a context manager), reset(), env(),
    inject(kind, count=1, **params), inject_random(seed, rates, params=None), clear_injections(),
    add_suppression(list_name, email, reason=, status=, created=, ip=), suppression_page(...),
    accepted_personalizations(), sent_to(email), message_ids(), wait_for_requests(count),
    stats(), events_for_accepted(kind="delivered", emails=None, **overrides).
    """

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        *,
        restricted_api_key: str = DEFAULT_RESTRICTED_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        record_bodies: bool = True,
        cross_check: bool = False,
        cross_check_max_personalizations: int = 100,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_key = api_key
        self.restricted_api_key = restricted_api_key
        self.cross_check = cross_check
        # The reference validator costs ~0.15 ms per personalization: cross-check small bodies
        # only, so tests that push thousands of recipients stay quick (the property test in
        # tests/test_fake_sendgrid_validators.py covers agreement on its own).
        self.cross_check_max_personalizations = cross_check_max_personalizations
        self.clock = clock
        self._state = FakeState(record_bodies=record_bodies, clock=clock)
        warm_up()  # compile both validators now, not inside the first request
        self._server = Server((host, port), Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None
        bound_host, bound_port = self._server.server_address[:2]
        self.url = f"http://{bound_host!s}:{bound_port}"

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> FakeSendGrid:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeSendGrid:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- records --------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def sandbox_requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.sandbox_requests)

    @property
    def attempts(self) -> list[Attempt]:
        with self._state.lock:
            return list(self._state.attempts)

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

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Wait until at least `count` requests were accepted (e.g. after a client timeout)."""
        deadline = time.monotonic() + timeout
        while len(requests := self.requests) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"fake SendGrid accepted {len(requests)} of {count} requests")
            time.sleep(0.01)
        return requests

    def message_ids(self) -> list[str]:
        """X-Message-Id of every accepted request, in order."""
        return [r.message_id for r in self.requests]

    def accepted_personalizations(self) -> list[AcceptedPersonalization]:
        """Every accepted personalization, flattened, each with its request's message id."""
        out = []
        for req in self.requests:
            if req.body is None:
                raise RuntimeError("this fake runs with record_bodies=False")
            for i, pers in enumerate(req.body["personalizations"]):
                out.append(AcceptedPersonalization(req.message_id, i, pers, req))
        return out

    def sent_to(self, email: str) -> int:
        """How many accepted personalizations were addressed to `email` (case-insensitive)."""
        wanted = email.lower()
        return sum(
            1
            for p in self.accepted_personalizations()
            for address in p.emails
            if address.lower() == wanted
        )

    def stats(self) -> dict[str, Any]:
        return self._state.stats()

    def reset(self) -> None:
        """Forget every record, queued fault and suppression (keys and URL stay)."""
        self._state.reset()

    def inject(self, kind: str | int, count: int = 1, **params: Any) -> None:
        """Queue `count` faults for the next mail-send requests (FIFO). Kinds and params:
        "400" (field=, message=), "401", "403", "413", "500", "503" (message=): answered in
        SendGrid's error shape; "429" (limit=600, reset_in=1 s, remaining=0); "slow"
        (seconds=1.0, then answered normally), "drop" (body read, connection closed, nothing
        recorded), "accept_then_drop" (validated and recorded as accepted, then closed with no
        answer; an invalid body still gets its 400). Faults apply after the key check."""
        self._state.inject(kind, count, **params)

    def inject_random(
        self,
        seed: int,
        rates: Mapping[str, float],
        params: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Seeded random faults: e.g. inject_random(7, {"429": 0.1, "drop": 0.05})."""
        self._state.inject_random(seed, rates, params)

    def clear_injections(self) -> None:
        self._state.clear_injections()

    def add_suppression(self, list_name: str, email: str, **fields: Any) -> dict[str, Any]:
        """Seed a suppression list (bounces, blocks, invalid_emails, spam_reports, unsubscribes);
        keyword fields: reason, status, created (unix s), ip."""
        return self._state.add_suppression(list_name, email, **fields)

    def events_for_accepted(
        self, kind: str = "delivered", emails: list[str] | None = None, **overrides: Any
    ) -> list[dict[str, Any]]:
        """SendGrid Event Webhook dicts for accepted recipients (see sendgrid_events)."""
        return sendgrid_events.events_for(
            self.accepted_personalizations(), kind, emails, now=self.clock(), overrides=overrides
        )

    # -- handlers (called on server threads) ----------------------------------------------
    def handle_mail_send(self, handler: Handler, raw: bytes | None) -> None:
        attempt = Attempt(received_at=self.clock(), status=None)
        payload, headers = self._decide(handler, raw, attempt)
        # Record before answering: once the client has its answer, the records already show it.
        self._state.record_attempt(attempt)
        if attempt.status is None:  # drop / accept_then_drop: close without a word
            handler.close_connection = True
            return
        handler.send(attempt.status, payload, headers)

    def _decide(
        self, handler: Handler, raw: bytes | None, attempt: Attempt
    ) -> tuple[Any, dict[str, str] | None]:
        """Work out the answer to one mail-send request; sets attempt.status (None = drop)."""
        rejection = handler.auth()
        if rejection is not None:
            return self._rejected(rejection, attempt), None
        fault = self._state.next_fault()
        if fault is not None:
            attempt.fault = fault.kind
            answer = self._fault_answer(fault, attempt)
            if answer is not None:
                return answer
        rejection, body = self._parse(handler, raw)
        if rejection is None:
            started = time.perf_counter()
            personalizations = body.get("personalizations") if isinstance(body, dict) else None
            small = (
                not isinstance(personalizations, list)
                or len(personalizations) <= self.cross_check_max_personalizations
            )
            rejection = validate_mail_send(
                body, now=self.clock(), cross_check=self.cross_check and small
            )
            self._state.record_validation(time.perf_counter() - started)
            if rejection is not None and rejection.status == 500:
                with self._state.lock:
                    self._state.disagreements.append(rejection.message)
        if rejection is not None:
            return self._rejected(rejection, attempt), None
        sandbox = bool(body.get("mail_settings", {}).get("sandbox_mode", {}).get("enable"))
        rec = self._state.record_accepted(body, sandbox=sandbox)
        attempt.message_id = None if sandbox else rec.message_id
        if fault is not None and fault.kind == "accept_then_drop":
            return None, None  # it went out, but the client never hears (status stays None)
        # Sandbox mode: SendGrid validates and answers 200 without sending anything.
        attempt.status = 200 if sandbox else 202
        return None, {"X-Message-Id": rec.message_id}

    def _parse(self, handler: Handler, raw: bytes | None) -> tuple[Rejection | None, Any]:
        if raw is None:
            return Rejection(413, "content too large"), None
        media_type = handler.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            # The v3 API takes JSON only ("415 UNSUPPORTED MEDIA TYPE" in SendGrid's error table).
            return Rejection(
                415, f"Content-Type must be application/json, not {media_type!r}"
            ), None
        if handler.headers.get("Content-Encoding", "").lower() == "gzip":
            try:
                # Bounded: a gzip bomb must not take the fake down.
                raw = zlib.decompressobj(wbits=31).decompress(raw, MAX_MESSAGE_BYTES + 1)
            except zlib.error:
                return Rejection(400, "The gzip body could not be decompressed."), None
        if len(raw) > MAX_MESSAGE_BYTES:
            return Rejection(413, "content too large"), None
        try:
            return None, json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            return Rejection(400, f"Bad Request: the body is not valid JSON ({err})"), None

    @staticmethod
    def _rejected(rejection: Rejection, attempt: Attempt) -> dict[str, Any]:
        attempt.status = rejection.status
        attempt.error_field = rejection.field
        attempt.error_message = rejection.message
        return rejection.body()

    def _fault_answer(
        self, fault: Fault, attempt: Attempt
    ) -> tuple[Any, dict[str, str] | None] | None:
        """The answer an injected fault forces, or None to go on (slow, accept_then_drop)."""
        p = fault.params
        if fault.kind == "429":
            attempt.status = 429
            headers = {
                "X-RateLimit-Limit": str(p.get("limit", 600)),
                "X-RateLimit-Remaining": str(p.get("remaining", 0)),
                "X-RateLimit-Reset": str(int(self.clock()) + int(p.get("reset_in", 1))),
            }
            return Rejection(429, "too many requests").body(), headers
        if fault.kind in _FORCED:
            # A forced error answers in SendGrid's shape; 400 names a field (params field/message).
            message, field = _FORCED[fault.kind]
            rejection = Rejection(int(fault.kind), p.get("message", message), p.get("field", field))
            return self._rejected(rejection, attempt), None
        if fault.kind == "slow":
            time.sleep(float(p.get("seconds", 1.0)))
        if fault.kind == "drop":
            return None, None  # body was read; status stays None: close without answering
        return None

    def suppression_page(self, list_name: str, **query: Any) -> list[dict[str, Any]]:
        """One page of a suppression list: limit, offset, start_time, end_time, email."""
        return self._state.suppression_page(list_name, **query)

    def handle_control(self, handler: Handler, path: str, raw: bytes | None) -> None:
        """Test-control endpoints for the subprocess handle (not part of SendGrid's API)."""
        args = json.loads(raw or b"{}")
        if path == "/__fake/reset":
            self.reset()
        elif path == "/__fake/inject":
            self.inject(args["kind"], args.get("count", 1), **args.get("params", {}))
        elif path == "/__fake/inject_random":
            self.inject_random(args["seed"], args["rates"], args.get("params"))
        elif path == "/__fake/suppressions":
            self.add_suppression(args.pop("list_name"), args.pop("email"), **args)
        else:
            handler.reject(NOT_FOUND)
            return
        handler.send(200, {"ok": True})


def start_subprocess(**kwargs: Any) -> Any:
    """Run the fake in its own process; see tests.fakes.sendgrid_process.start_subprocess."""
    from tests.fakes.sendgrid_process import start_subprocess as start

    return start(**kwargs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake SendGrid server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--no-record-bodies", action="store_true")
    parser.add_argument("--cross-check", action="store_true")
    opts = parser.parse_args(argv)
    fake = FakeSendGrid(
        opts.api_key,
        host=opts.host,
        port=opts.port,
        record_bodies=not opts.no_record_bodies,
        cross_check=opts.cross_check,
    )
    print(f"URL {fake.url}", flush=True)
    try:
        fake._server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        fake._server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
