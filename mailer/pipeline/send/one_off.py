"""One-off messages outside every ledger: a short plain text (and its HTML twin) to one address,
through the configured provider's `send_message`, as the test send does. Used by the contact
page's confirmations and the workspace's notices to its own users (a lapsed approval).

Nothing here retries or records: the caller decides what a refusal means (a log line, an audit
entry). A failure is returned as text, never raised: these messages accompany an action that has
already happened and must not undo it.
"""

from __future__ import annotations

import html
import logging
import uuid

from mailer.core.errors import MailerError
from mailer.core.models import OutgoingMessage, Variant
from mailer.pipeline.context import Context
from mailer.providers import Provider, make_provider

__all__ = ["one_off_message", "send_one_off"]

log = logging.getLogger(__name__)


def one_off_message(
    *,
    to: str,
    name: str,
    subject: str,
    text: str,
    folder: str,
    variant: Variant,
    lang: str,
) -> OutgoingMessage:
    """A plain message: `text`'s paragraphs (blank-line separated) as the HTML part too.
    `folder` is the outbox folder (and SendGrid's `edition` custom arg) the message goes under;
    `variant` only names the sender's language (the message is no variant of a letter)."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n")).replace("\n", "<br>")
    return OutgoingMessage(
        delivery_id=f"{folder}-{uuid.uuid4()}",
        edition=folder,
        variant=variant,
        to_email=to,
        to_name=name,
        subject=subject,
        html=f'<!doctype html><html lang="{lang}"><body>{body}</body></html>',
        text=text + "\n",
        headers={"Auto-Submitted": "auto-generated"},  # RFC 3834: no auto-replies back
    )


def send_one_off(
    ctx: Context, message: OutgoingMessage, provider: Provider | None = None
) -> str | None:
    """Send `message` (through `provider`, or the configured one opened and closed here);
    None when the provider accepted it, otherwise why not (logged here, without the address:
    provider errors name the request, never the API key)."""
    sender: Provider | None = provider
    try:
        if sender is None:
            sender = make_provider(ctx.settings)
        outcome = sender.send_message(message)
    except (MailerError, OSError) as err:  # OSError: the outbox could not write the file
        log.error("message %s not sent: %s", message.delivery_id, err)
        return str(err) or type(err).__name__
    finally:
        if provider is None and sender is not None:
            sender.close()
    if outcome.accepted:
        return None
    log.error("message %s refused: %s", message.delivery_id, outcome.error)
    return outcome.error or "refused by the provider"
