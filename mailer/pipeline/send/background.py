""" "Send now" from the workspace: the send runs in a thread of the serving process, so the page
can answer at once and show progress from the ledger on the next reload.

The ledger makes a send exactly-once whatever starts it (README "Delivery"): a second click, a
second `mailer serve` process or a crash cannot mail anyone twice. This registry only keeps one
process from starting a second thread for an edition whose send it is already running (which
would just find every batch claimed), and remembers how the last run in this process ended.
"""

from __future__ import annotations

import logging
import threading
from typing import NamedTuple

from mailer.core.accounts import AuditAction
from mailer.pipeline.audit import record
from mailer.pipeline.context import Context
from mailer.pipeline.send.deliver import send_edition

__all__ = ["BackgroundSends", "Finished"]

log = logging.getLogger("mailer.send")


class Finished(NamedTuple):
    ok: bool
    detail: str


class BackgroundSends:
    """The sends this process runs in the background, one thread per edition at most."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self._finished: dict[str, Finished] = {}

    def running(self, month: str) -> bool:
        with self._lock:
            thread = self._threads.get(month)
            return thread is not None and thread.is_alive()

    def finished(self, month: str) -> Finished | None:
        with self._lock:
            return self._finished.get(month)

    def start(self, ctx: Context, month: str, *, actor: str) -> bool:
        """Start sending `month` (approved: the caller checked, `send_edition` checks again);
        False when this process is sending it already."""
        with self._lock:
            thread = self._threads.get(month)
            if thread is not None and thread.is_alive():
                return False
            thread = threading.Thread(
                target=self._run, args=(ctx, month, actor), name=f"send-{month}", daemon=True
            )
            self._threads[month] = thread
            self._finished.pop(month, None)
            thread.start()
        return True

    def _run(self, ctx: Context, month: str, actor: str) -> None:
        try:
            report = send_edition(ctx, month)
        except Exception as err:
            # the thread has nobody to raise to: the page shows it, the log keeps the trace, and
            # the next "send now" (or `mailer send`) resumes the ledger
            log.exception("send of %s from the workspace failed", month)
            result = Finished(False, str(err))
        else:
            unfinished = report.failed + report.ambiguous + report.queued
            result = Finished(
                not unfinished,
                f"{report.accepted} accepted, {report.failed} failed, "
                f"{report.ambiguous} ambiguous, {report.queued} queued",
            )
        with self._lock:
            self._finished[month] = result
        try:
            record(ctx, actor=actor, action=AuditAction.SENT, target=month, detail=result.detail)
        except Exception:
            log.exception("audit entry for the send of %s failed", month)

    def join(self, timeout: float | None = None) -> None:
        """Wait for every running send (tests, and a clean shutdown)."""
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout)
