"""PURE: rendering an edition.

Stage 1 (once per variant): Jinja2 -> MJML -> HTML (mjml-python), and the plain-text twin, with
placeholder *tokens* where recipient fields go. Stage 2 (per recipient): substitute the tokens.

The token contract (shared with the SendGrid provider, which ships the compiled variant once and
the per-recipient values as `substitutions`):
- HTML tokens look like `%%h:first_name%%` and are replaced with HTML-escaped values;
- text tokens look like `%%t:first_name%%` and are replaced with the raw values.
Two token families are needed because SendGrid applies one substitution map to every content part,
and a name like "Ek & Åberg" must be escaped in HTML but not in text. Tokens contain no character
that HTML escaping or MJML would touch, so they pass through stage 1 unchanged.
"""

from __future__ import annotations

import re
from html import escape

from mailer.models import CompiledVariant, OutgoingMessage, Recipient

__all__ = [
    "RECIPIENT_FIELDS",
    "html_tokens",
    "personalise",
    "substitutions",
    "text_tokens",
]

# The only recipient fields a letter may use; everything else is per variant.
RECIPIENT_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "organisation",
    "role",
    "unsubscribe_url",
)

_TOKEN = re.compile(r"%%([ht]):([a-z_]+)%%")


def html_tokens() -> dict[str, str]:
    """Stage 1 context for HTML templates: each recipient field -> its HTML token."""
    return {field: f"%%h:{field}%%" for field in RECIPIENT_FIELDS}


def text_tokens() -> dict[str, str]:
    """Stage 1 context for text templates: each recipient field -> its text token."""
    return {field: f"%%t:{field}%%" for field in RECIPIENT_FIELDS}


def _values(compiled: CompiledVariant, recipient: Recipient) -> dict[str, str]:
    role = recipient.role.value
    return {
        "first_name": recipient.first_name,
        "last_name": recipient.last_name,
        "organisation": recipient.organisation,
        "role": compiled.role_labels.get(role, role),
        "unsubscribe_url": recipient.unsubscribe_url,
    }


def substitutions(compiled: CompiledVariant, recipient: Recipient) -> dict[str, str]:
    """Token -> value for one recipient, both families (what SendGrid gets per personalization)."""
    values = _values(compiled, recipient)
    subs = {f"%%t:{field}%%": value for field, value in values.items()}
    subs.update({f"%%h:{field}%%": escape(value, quote=True) for field, value in values.items()})
    return subs


def _fill(template: str, subs: dict[str, str]) -> str:
    # One pass over the document (instead of one str.replace per field): unknown tokens are left
    # as they are, so a template typo shows up in the check instead of vanishing.
    return _TOKEN.sub(lambda m: subs.get(m.group(0), m.group(0)), template)


def personalise(
    compiled: CompiledVariant, recipient: Recipient, headers: dict[str, str] | None = None
) -> OutgoingMessage:
    """Stage 2: one recipient's letter from a compiled variant."""
    subs = substitutions(compiled, recipient)
    return OutgoingMessage(
        delivery_id=recipient.delivery_id,
        edition=compiled.edition,
        variant=compiled.variant,
        to_email=recipient.email,
        to_name=f"{recipient.first_name} {recipient.last_name}".strip(),
        subject=compiled.subject,
        html=_fill(compiled.html, subs),
        text=_fill(compiled.text, subs),
        headers=dict(headers or {}),
    )
