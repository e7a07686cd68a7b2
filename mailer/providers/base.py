"""The Provider protocol: a batch of recipients of one compiled variant in, one outcome per
recipient out. Providers only translate (django-anymail style); the pipeline orchestrates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from mailer.core.models import CompiledVariant, OutgoingMessage, Recipient, SendOutcome

__all__ = ["Batch", "Provider", "unsubscribe_headers"]


class Batch(BaseModel):
    """Up to `batch_size` recipients of one variant of one edition."""

    model_config = ConfigDict(frozen=True)

    batch_id: str
    compiled: CompiledVariant
    recipients: tuple[Recipient, ...]


class Provider(Protocol):
    name: str

    def send_batch(self, batch: Batch) -> list[SendOutcome]:
        """Send every recipient of the batch; raise ProviderAuthError / PermanentProviderError /
        TransientProviderError / RateLimitedError for failures of the whole request."""
        ...

    def send_message(self, message: OutgoingMessage) -> SendOutcome:
        """Send one finished message outside the ledger (test sends, coordinator notices)."""
        ...

    def proof_of_delivery(self, edition: str, delivery_ids: Iterable[str]) -> set[str]:
        """Which of `delivery_ids` (of `edition`) the provider itself can prove it took, for
        batches a crash left in `sending`: the outbox has the letters' files; a remote API may
        have nothing to show (an empty set), its events being the proof instead."""
        ...

    def close(self) -> None: ...


def unsubscribe_headers(recipient: Recipient) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe (https + mailto) and RFC 8058 one-click, per recipient."""
    return {
        "List-Unsubscribe": f"<{recipient.unsubscribe_url}>, <{recipient.unsubscribe_mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
