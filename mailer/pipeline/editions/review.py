"""The workspace's preview of an edition: every variant rendered by the send's own code
(`compile_edition` then `personalise`), for the built-in sample recipient or a real contact of
the variant, with what an inbox shows before the letter is opened."""

from __future__ import annotations

from typing import NamedTuple

from mailer.core.edition.render import personalise
from mailer.core.models import CompiledVariant, OutgoingMessage, Variant
from mailer.pipeline.context import Context
from mailer.pipeline.editions.check import compile_edition, compile_one
from mailer.pipeline.editions.preview import sample_recipient, sender_line
from mailer.pipeline.editions.source import latest_text
from mailer.providers import unsubscribe_headers
from mailer.store.samples import SampleContact, sample_contact, sample_contacts

__all__ = [
    "SAMPLES_PER_VARIANT",
    "PreviewCard",
    "SampleContact",
    "chosen_contact",
    "contact_choices",
    "preview_cards",
    "preview_letter",
]

# Enough real people to pick a telling one (a long name, a Swedish organisation), few enough
# that the page never lists the register.
SAMPLES_PER_VARIANT = 25


class PreviewCard(NamedTuple):
    variant: Variant
    subject: str
    preheader: str
    sender: str
    text: str  # the text part, as sent
    contact: SampleContact | None  # whose letter it is (None: the built-in sample)


def contact_choices(ctx: Context) -> dict[str, list[SampleContact]]:
    """A few active contacts per variant key (one query)."""
    with ctx.engine.connect() as conn:
        found = sample_contacts(conn, SAMPLES_PER_VARIANT)
    choices: dict[str, list[SampleContact]] = {}
    for contact in found:
        choices.setdefault(f"{contact.region}-{contact.language}", []).append(contact)
    return choices


def chosen_contact(ctx: Context, contact_id: int | None) -> SampleContact | None:
    if contact_id is None:
        return None
    with ctx.engine.connect() as conn:
        return sample_contact(conn, contact_id)


def _for(variant: Variant, contact: SampleContact | None) -> SampleContact | None:
    """The chosen contact only for their own variant; the others keep the sample."""
    if contact is None or (contact.region, contact.language) != (
        variant.region.value,
        variant.language.value,
    ):
        return None
    return contact


def _message(
    ctx: Context, variant: Variant, compiled: CompiledVariant, contact: SampleContact | None
) -> OutgoingMessage:
    recipient = sample_recipient(ctx.settings, variant, contact)
    return personalise(compiled, recipient, unsubscribe_headers(recipient))


def preview_cards(ctx: Context, month: str, contact: SampleContact | None) -> list[PreviewCard]:
    """All ten variants of the latest revision, in the stable order (region, fi before sv)."""
    cards = []
    for variant, compiled in compile_edition(ctx, month).items():
        own = _for(variant, contact)
        message = _message(ctx, variant, compiled, own)
        cards.append(
            PreviewCard(
                variant,
                message.subject,
                compiled.preheader,
                sender_line(ctx.settings, variant.language),
                message.text,
                own,
            )
        )
    return cards


def preview_letter(
    ctx: Context, month: str, variant: Variant, contact: SampleContact | None
) -> OutgoingMessage | None:
    """One variant of the latest revision, personalised (None: no revision)."""
    revision = latest_text(ctx, month)
    if revision is None:
        return None
    compiled = compile_one(ctx, month, revision.number, variant)
    return _message(ctx, variant, compiled, _for(variant, contact))
