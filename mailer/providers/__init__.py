"""Email providers: `outbox` (embedded default, files under var/outbox) and `sendgrid`."""

from mailer.providers.base import Batch, Provider, unsubscribe_headers

__all__ = ["Batch", "Provider", "unsubscribe_headers"]
