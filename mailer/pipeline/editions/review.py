"""The workspace's preview of an edition: every variant rendered by the send's own code
(`compile_edition` then `personalise`), for the built-in sample recipient or a real contact of
the variant, with what an inbox shows before the letter is opened."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple, TypeVar, cast

from mailer.core.edition.render import personalise
from mailer.core.models import CompiledVariant, OutgoingMessage, Variant
from mailer.pipeline.context import Context
from mailer.pipeline.editions.check import (
    CheckReport,
    check_edition,
    compile_edition,
    revision_hash,
)
from mailer.pipeline.editions.preview import sample_recipient, sender_line
from mailer.pipeline.editions.source import latest_text
from mailer.providers import unsubscribe_headers
from mailer.store.revisions import Revision
from mailer.store.samples import SampleContact, sample_contact, sample_contacts

__all__ = [
    "SAMPLES_PER_VARIANT",
    "PreviewCard",
    "SampleContact",
    "checked",
    "chosen_contact",
    "contact_choices",
    "preview_cards",
    "preview_letter",
]

# Enough real people to pick a telling one (a long name, a Swedish organisation), few enough
# that the page never lists the register.
SAMPLES_PER_VARIANT = 25
# Compiled editions and check results by everything they read: the revision's text and the
# templates (the approval hash covers both), the settings the letter view uses (and for the check
# the schedules files). A page and its ten frames then compile once, not eleven times (about
# 200 ms each); per process, bounded, never stale.
_CACHE_SIZE = 16
_cache: OrderedDict[tuple[str, ...], object] = OrderedDict()
_lock = threading.Lock()
T = TypeVar("T")


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
    # by name (a UNION ALL promises no order of its own)
    for contact in sorted(found, key=lambda c: (c.last_name, c.first_name, c.id)):
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


def _stage1_key(ctx: Context, month: str, revision: Revision) -> tuple[str, ...]:
    settings = ctx.settings
    return (
        month,
        str(revision.number),
        revision_hash(settings, revision.text_hash),
        str(settings.templates_dir.resolve()),
        settings.timezone,
        settings.public_url,
        settings.sender_address,
        settings.sender_address_sv or "",
    )


def _cached(key: tuple[str, ...], compute: Callable[[], T]) -> T:
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return cast(T, _cache[key])
    value = compute()
    with _lock:
        _cache[key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def _latest_compiled(ctx: Context, month: str) -> dict[Variant, CompiledVariant] | None:
    """The ten compiled variants of the latest revision (None: no revision), from the cache when
    nothing stage 1 reads has changed."""
    revision = latest_text(ctx, month)
    if revision is None:
        return None
    key = ("compiled", *_stage1_key(ctx, month, revision))
    return _cached(key, lambda: compile_edition(ctx, month, revision.number))


def _schedules_signature(ctx: Context) -> str:
    """The schedules files as the check reads them (planned sends date the events)."""
    folder = ctx.settings.schedules_dir
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
        stats = ";".join(f"{p.name}:{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in files)
        return f"{folder.resolve()}|{stats}"
    except OSError:
        return "unreadable"


def checked(ctx: Context, month: str) -> CheckReport:
    """`edition check` of the latest revision, for showing on a page: cached by what the check
    reads (the revision, the templates, the schedules files, the settings). The approval itself
    always runs the check afresh."""
    revision = latest_text(ctx, month)
    if revision is None:
        return check_edition(ctx, month)
    key = ("check", _schedules_signature(ctx), *_stage1_key(ctx, month, revision))
    return _cached(key, lambda: check_edition(ctx, month))


def preview_cards(ctx: Context, month: str, contact: SampleContact | None) -> list[PreviewCard]:
    """All ten variants of the latest revision, in the stable order (region, fi before sv)."""
    cards = []
    for variant, compiled in (_latest_compiled(ctx, month) or {}).items():
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
    compiled = _latest_compiled(ctx, month)
    if compiled is None:
        return None
    return _message(ctx, variant, compiled[variant], _for(variant, contact))
