"""Test sends: an edition's variants to a few checking colleagues, outside the ledger.

Shared by `mailer send YYYY-MM --test-to` and the workspace's test-send page: the latest
revision (approved or not), each chosen variant once to each address, subject marked TEST,
through the configured provider, and one audit entry (who, which variants, how many addresses:
not the addresses themselves).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from mailer.core.accounts import AuditAction
from mailer.core.edition.render import personalise
from mailer.core.models import Language, Region, Role, SendOutcome, Variant
from mailer.pipeline.audit import record
from mailer.pipeline.context import Context
from mailer.pipeline.send.loop import RecipientFactory
from mailer.providers import make_provider, unsubscribe_headers

__all__ = ["send_test"]

_TEST_NAMES = {
    Language.FI: ("Testi", "Vastaanottaja", "VIP-verkosto"),
    Language.SV: ("Test", "Mottagare", "VIP-nätverket"),
}


def _in_scope(
    variant: Variant,
    region: Region | None,
    language: Language | None,
    chosen: Sequence[Variant] | None,
) -> bool:
    if chosen is not None and variant not in chosen:
        return False
    return region in (None, variant.region) and language in (None, variant.language)


def send_test(
    ctx: Context,
    month: str,
    to: Sequence[str],
    *,
    region: Region | None = None,
    language: Language | None = None,
    variants: Sequence[Variant] | None = None,
    actor: str = "cli",
) -> list[SendOutcome]:
    """Each of the edition's variants in scope (`region`, `language`, or exactly `variants`)
    once to each address of `to` (already validated: `core.delivery.test_addresses`), outside
    the ledger, subject marked TEST; recorded in the audit log as `actor`."""
    from mailer.pipeline.editions.check import compile_edition

    compiled = compile_edition(ctx, month)
    scope = [
        v for v in sorted(compiled, key=lambda v: v.key) if _in_scope(v, region, language, variants)
    ]
    provider, people, outcomes = make_provider(ctx.settings), RecipientFactory(ctx), []
    try:
        for address, variant in ((a, v) for a in to for v in scope):
            first, last, organisation = _TEST_NAMES[variant.language]
            # a made-up recipient: no contact has the token key "test-send"
            recipient = people.make(
                f"test-{uuid.uuid4()}",
                "test-send",
                address,
                first,
                last,
                organisation,
                Role.SUPPORT.value,
            )
            message = personalise(compiled[variant], recipient, unsubscribe_headers(recipient))
            subject = f"[TEST {variant.key}] {compiled[variant].subject}"
            outcomes.append(provider.send_message(message.model_copy(update={"subject": subject})))
    finally:
        provider.close()
        accepted = sum(1 for o in outcomes if o.accepted)
        record(
            ctx,
            actor=actor,
            action=AuditAction.TEST_SENT,
            target=month,
            detail=f"variants {', '.join(v.key for v in scope)}; {len(to)} address(es); "
            f"{accepted} of {len(scope) * len(to)} letters accepted",
        )
    return outcomes
