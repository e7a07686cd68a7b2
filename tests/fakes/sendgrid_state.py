"""Recorded state of the fake SendGrid: accepted requests, attempts, faults, suppressions, stats.

Kept apart from the HTTP layer so the same state serves the in-thread fake (tests) and the
subprocess fake (bench/send.py), and so tests can read it without HTTP.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("400", "401", "403", "413", "429", "500", "503", "slow", "drop", "accept_then_drop")
SUPPRESSION_LISTS = ("bounces", "blocks", "invalid_emails", "spam_reports", "unsubscribes")


def new_message_id() -> str:
    """22 URL-safe characters, like SendGrid's X-Message-Id (16 random bytes, base64url)."""
    return secrets.token_urlsafe(16)


@dataclass
class RecordedRequest:
    """One mail-send request the fake accepted (202) or answered in sandbox mode (200)."""

    message_id: str
    received_at: float
    body: dict[str, Any] | None  # None when the fake runs with record_bodies=False
    sandbox: bool = False


@dataclass
class Attempt:
    """Every POST /v3/mail/send the fake saw, whatever it answered."""

    received_at: float
    status: int | None  # None: the connection was dropped without an answer
    fault: str | None = None  # injected fault kind, if any
    message_id: str | None = None  # set when the request was accepted
    error_field: str | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class AcceptedPersonalization:
    """One accepted personalization, flattened out of its request, with the request's message id."""

    message_id: str
    index: int
    personalization: dict[str, Any]
    request: RecordedRequest

    @property
    def emails(self) -> list[str]:
        """Every recipient address (to, cc, bcc) as sent."""
        p = self.personalization
        return [r["email"] for kind in ("to", "cc", "bcc") for r in p.get(kind, ())]

    @property
    def custom_args(self) -> dict[str, str]:
        """Top-level custom_args overridden by the personalization's (SendGrid's merge rule)."""
        body = self.request.body or {}
        return {**body.get("custom_args", {}), **self.personalization.get("custom_args", {})}

    @property
    def categories(self) -> list[str]:
        return list((self.request.body or {}).get("categories", []))


@dataclass
class Fault:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


class FakeState:
    """Thread-safe store behind FakeSendGrid (all public methods take the lock)."""

    def __init__(self, *, record_bodies: bool, clock: Callable[[], float]) -> None:
        self.record_bodies = record_bodies
        self.clock = clock
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests: list[RecordedRequest] = []
            self.sandbox_requests: list[RecordedRequest] = []
            self.attempts: list[Attempt] = []
            self.faults: deque[Fault] = deque()
            self.random_faults: tuple[random.Random, list[tuple[float, Fault]]] | None = None
            self.suppressions: dict[str, list[dict[str, Any]]] = {n: [] for n in SUPPRESSION_LISTS}
            self.status_counts: Counter[int | None] = Counter()
            self.fault_counts: Counter[str] = Counter()
            self.accepted_requests = 0
            self.personalizations = 0
            self.recipients = 0
            # Hashes, not strings: a 1,000,000-recipient bench must not cost the fake ~200 MB.
            self.delivery_ids: set[int] = set()
            self.duplicate_delivery_ids = 0
            self.recipient_keys: set[int] = set()
            self.duplicate_recipients = 0
            self.validation_seconds = 0.0
            self.validation_max_seconds = 0.0
            self.disagreements: list[str] = []

    # -- faults ---------------------------------------------------------------------------
    def inject(self, kind: str | int, count: int = 1, **params: Any) -> None:
        kind = str(kind)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULT_KINDS)}")
        with self.lock:
            for _ in range(count):
                self.faults.append(Fault(kind, dict(params)))

    def inject_random(
        self,
        seed: int,
        rates: Mapping[str, float],
        params: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Each later mail-send request (once the queue is empty) draws a fault by `rates`."""
        table: list[tuple[float, Fault]] = []
        total = 0.0
        for kind, rate in rates.items():
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault {kind!r}")
            total += rate
            table.append((total, Fault(kind, dict((params or {}).get(kind, {})))))
        if total > 1.0:
            raise ValueError("fault rates add up to more than 1")
        with self.lock:
            self.random_faults = (random.Random(seed), table)

    def clear_injections(self) -> None:
        with self.lock:
            self.faults.clear()
            self.random_faults = None

    def next_fault(self) -> Fault | None:
        with self.lock:
            if self.faults:
                return self.faults.popleft()
            if self.random_faults is not None:
                rng, table = self.random_faults
                draw = rng.random()
                for bound, fault in table:
                    if draw < bound:
                        return fault
        return None

    # -- recording ------------------------------------------------------------------------
    def record_attempt(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)
            self.status_counts[attempt.status] += 1
            if attempt.fault:
                self.fault_counts[attempt.fault] += 1

    def record_validation(self, seconds: float) -> None:
        with self.lock:
            self.validation_seconds += seconds
            self.validation_max_seconds = max(self.validation_max_seconds, seconds)

    def record_accepted(self, body: dict[str, Any], *, sandbox: bool) -> RecordedRequest:
        rec = RecordedRequest(
            new_message_id(), self.clock(), body if self.record_bodies else None, sandbox
        )
        with self.lock:
            if sandbox:
                self.sandbox_requests.append(rec)
                return rec
            self.requests.append(rec)
            self.accepted_requests += 1
            top_args = body.get("custom_args", {})
            for pers in body["personalizations"]:
                self.personalizations += 1
                delivery_id = pers.get("custom_args", {}).get("delivery_id") or top_args.get(
                    "delivery_id"
                )
                if delivery_id is not None:
                    key = hash(delivery_id)
                    if key in self.delivery_ids:
                        self.duplicate_delivery_ids += 1
                    self.delivery_ids.add(key)
                for kind in ("to", "cc", "bcc"):
                    for rcpt in pers.get(kind, ()):
                        self.recipients += 1
                        key = hash(rcpt["email"].lower())
                        if key in self.recipient_keys:
                            self.duplicate_recipients += 1
                        self.recipient_keys.add(key)
        return rec

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": len(self.attempts),
                "accepted_requests": self.accepted_requests,
                "sandbox_requests": len(self.sandbox_requests),
                "personalizations": self.personalizations,
                "recipients": self.recipients,
                "unique_delivery_ids": len(self.delivery_ids),
                "duplicate_delivery_ids": self.duplicate_delivery_ids,
                "unique_recipients": len(self.recipient_keys),
                "duplicate_recipients": self.duplicate_recipients,
                "statuses": {str(k): v for k, v in self.status_counts.items()},
                "faults": dict(self.fault_counts),
                "validation_seconds": round(self.validation_seconds, 4),
                "validation_max_ms": round(self.validation_max_seconds * 1000, 2),
                "validator_disagreements": list(self.disagreements),
            }

    # -- suppressions ---------------------------------------------------------------------
    def add_suppression(
        self,
        list_name: str,
        email: str,
        *,
        reason: str | None = None,
        status: str | None = None,
        created: int | None = None,
        ip: str | None = None,
    ) -> dict[str, Any]:
        """Add one entry, shaped like the spec's response item for that list."""
        if list_name not in SUPPRESSION_LISTS:
            raise ValueError(f"unknown suppression list {list_name!r}")
        entry: dict[str, Any] = {
            "created": int(self.clock()) if created is None else int(created),
            "email": email,
        }
        if list_name == "bounces":
            entry["reason"] = reason or (
                "550 5.1.1 The email account that you tried to reach does not exist."
            )
            entry["status"] = status or "5.1.1"
        elif list_name == "blocks":
            entry["reason"] = reason or "550 5.7.1 Message rejected: sender blocked by policy"
            entry["status"] = status or "5.7.1"
        elif list_name == "invalid_emails":
            entry["reason"] = reason or "Mail domain mentioned in email address is unknown"
        elif list_name == "spam_reports":
            entry["ip"] = ip or "192.0.2.10"
        with self.lock:
            self.suppressions[list_name].append(entry)
        return entry

    def suppression_page(
        self,
        list_name: str,
        *,
        limit: int,
        offset: int,
        start_time: int | None,
        end_time: int | None,
        email: str | None,
    ) -> list[dict[str, Any]]:
        with self.lock:
            entries = list(self.suppressions[list_name])
        # Newest first, insertion order among equals (stable sort): a fixed order makes paging
        # by offset see every entry exactly once.
        entries.sort(key=lambda e: -e["created"])
        selected = [
            e
            for e in entries
            if (start_time is None or e["created"] >= start_time)
            and (end_time is None or e["created"] <= end_time)
            and (email is None or email.lower() in e["email"].lower())
        ]
        return [dict(e) for e in selected[offset : offset + limit]]


def now_default() -> float:
    return time.time()
