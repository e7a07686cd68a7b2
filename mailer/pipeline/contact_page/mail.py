"""The two messages the contact page sends, outside the monthly ledger (like the schedule
notices): the confirmation link to a new address, in the contact's language, and the short
bilingual letter to a named successor. Through the configured provider; the outbox keeps them
under var/outbox/contact/test/. Their words are in the public catalogues (templates/web/i18n/)."""

from __future__ import annotations

import html
import logging
import uuid

from mailer.core.errors import MailerError
from mailer.core.models import Language, OutgoingMessage, Region, Variant
from mailer.pipeline.context import Context
from mailer.pipeline.pages import public_strings
from mailer.providers import Provider, make_provider

__all__ = ["OUTBOX_EDITION", "send_address_link", "send_successor_letter"]

log = logging.getLogger(__name__)

# The outbox folder (and the SendGrid custom arg) of these messages: no edition of the letter.
OUTBOX_EDITION = "contact"


def _region(value: str) -> Region:
    try:
        return Region(value)
    except ValueError:
        return Region.HYKS


def _send(ctx: Context, provider: Provider | None, message: OutgoingMessage) -> bool:
    own = provider is None
    sender = make_provider(ctx.settings) if provider is None else provider
    try:
        outcome = sender.send_message(message)
    except MailerError as err:
        log.error("contact page message %s failed: %s", message.delivery_id, err)
        return False
    finally:
        if own:
            sender.close()
    if not outcome.accepted:
        log.error("contact page message %s refused: %s", message.delivery_id, outcome.error)
    return outcome.accepted


def _message(
    to: str, name: str, subject: str, text: str, *, variant: Variant, lang: str
) -> OutgoingMessage:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n")).replace("\n", "<br>")
    return OutgoingMessage(
        delivery_id=f"contact-{uuid.uuid4()}",
        edition=OUTBOX_EDITION,
        variant=variant,
        to_email=to,
        to_name=name,
        subject=subject,
        html=f'<!doctype html><html lang="{lang}"><body>{body}</body></html>',
        text=text + "\n",
        headers={"Auto-Submitted": "auto-generated"},  # RFC 3834: no auto-replies back
    )


def send_address_link(
    ctx: Context,
    provider: Provider | None,
    *,
    to: str,
    first_name: str,
    language: Language,
    region: str,
    link: str,
) -> bool:
    t = public_strings(ctx.settings, language)
    hours = ctx.settings.confirmation_link_hours
    text = t["mail_address_body"].format(first_name=first_name, link=link, hours=hours)
    variant = Variant(region=_region(region), language=language)
    subject = t["mail_address_subject"]
    message = _message(to, first_name, subject, text, variant=variant, lang=language.value)
    return _send(ctx, provider, message)


def send_successor_letter(
    ctx: Context,
    provider: Provider | None,
    *,
    to: str,
    name: str,
    leaver: str,
    organisation: str,
    region: str,
    link: str,
) -> bool:
    """Finnish first, then Swedish, in one message: the successor's language is not known yet
    (they choose it when they confirm)."""
    hours = ctx.settings.confirmation_link_hours
    parts = []
    for language in (Language.FI, Language.SV):
        t = public_strings(ctx.settings, language)
        parts.append(
            t["mail_successor_body"].format(
                name=name, leaver=leaver, organisation=organisation, link=link, hours=hours
            )
        )
    fi, sv = (public_strings(ctx.settings, lang) for lang in (Language.FI, Language.SV))
    subject = f"{fi['mail_successor_subject']} / {sv['mail_successor_subject']}"
    text = "\n\n----\n\n".join(parts)
    variant = Variant(region=_region(region), language=Language.FI)
    return _send(ctx, provider, _message(to, name, subject, text, variant=variant, lang="fi"))
