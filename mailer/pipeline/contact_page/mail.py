"""The two messages the contact page sends, outside the monthly ledger (like the schedule
notices): the confirmation link to a new address, in the contact's language, and the short
bilingual letter to a named successor. Through the configured provider; the outbox keeps them
under var/outbox/contact/test/. Their words are in the public catalogues (templates/web/i18n/)."""

from __future__ import annotations

from mailer.core.models import Language, OutgoingMessage, Region, Variant
from mailer.pipeline.context import Context
from mailer.pipeline.pages import public_strings
from mailer.pipeline.send.one_off import one_off_message, send_one_off
from mailer.providers import Provider

__all__ = ["OUTBOX_EDITION", "send_address_link", "send_successor_letter"]

# The outbox folder (and the SendGrid custom arg) of these messages: no edition of the letter.
OUTBOX_EDITION = "contact"


def _region(value: str) -> Region:
    try:
        return Region(value)
    except ValueError:
        return Region.HYKS


def _send(ctx: Context, provider: Provider | None, message: OutgoingMessage) -> bool:
    return send_one_off(ctx, message, provider) is None


def _message(
    to: str, name: str, subject: str, text: str, *, variant: Variant, lang: str
) -> OutgoingMessage:
    return one_off_message(
        to=to,
        name=name,
        subject=subject,
        text=text,
        folder=OUTBOX_EDITION,
        variant=variant,
        lang=lang,
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
