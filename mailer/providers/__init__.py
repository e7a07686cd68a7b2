"""Email providers: `outbox` (embedded default, files under var/outbox) and `sendgrid`."""

from __future__ import annotations

from mailer.config import Settings
from mailer.providers.base import Batch, Provider, unsubscribe_headers

__all__ = ["Batch", "Provider", "make_provider", "unsubscribe_headers"]


def make_provider(settings: Settings) -> Provider:
    """The provider MAILER_PROVIDER names (imported lazily: the outbox needs no HTTP stack)."""
    if settings.provider == "sendgrid":
        from mailer.providers.sendgrid.send import SendGridProvider

        return SendGridProvider(settings)
    from mailer.providers.outbox import OutboxProvider

    return OutboxProvider(settings)
