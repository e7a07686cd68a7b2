"""SendGrid v3 Mail Send request bodies, as plain dicts.

One request per batch (at most 1000 personalizations, SendGrid's limit, and one recipient each so
also at most 1000 recipients). The compiled variant travels once in `content`; each recipient's
values travel as `substitutions` (mailer.core.edition.render's `%%h:..%%` / `%%t:..%%` token
contract), our delivery id, edition, region and language as personalization `custom_args` (SendGrid
copies them into every event), plus per-recipient List-Unsubscribe headers (RFC 2369 / RFC 8058).
Bodies are plain dicts: building 1000 personalizations with the helper classes costs more than the
whole HTTP round trip.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from mailer.config import Settings
from mailer.core.edition.render import RECIPIENT_FIELDS, role_label, substitutions
from mailer.core.models import CompiledVariant, OutgoingMessage, Recipient, Variant
from mailer.providers.base import Batch, unsubscribe_headers

__all__ = ["MAX_PERSONALIZATIONS", "MailBodies", "display_name"]

MAX_PERSONALIZATIONS = 1000  # SendGrid: personalizations per request, and recipients in total


class _Substitutions:
    """`mailer.core.edition.render.substitutions` for a whole batch, about 3x faster: the token
    names are built once, and HTML escapes are memoised per batch (organisations, role labels and
    first names repeat). Falls back to render.substitutions if the render contract's field list is
    not the one this was written for; tests compare both on tricky values."""

    _FIELDS = ("first_name", "last_name", "organisation", "role", "unsubscribe_url", "page_url")

    def __init__(self, compiled: CompiledVariant) -> None:
        self.compiled = compiled
        self.labels = compiled.role_labels
        self.fast = tuple(RECIPIENT_FIELDS) == self._FIELDS
        self.escaped: dict[str, str] = {}

    def _escape(self, value: str) -> str:
        done = self.escaped.get(value)
        if done is None:
            done = self.escaped[value] = escape(value, quote=True)
        return done

    def __call__(self, r: Recipient) -> dict[str, str]:
        if not self.fast:
            return substitutions(self.compiled, r)
        # a StrEnum: its str is the value, without the property call
        label = role_label(self.labels, str(r.role), r.title)
        esc = self._escape
        first, last, url = r.first_name, r.last_name, r.unsubscribe_url
        return {
            "%%t:first_name%%": first,
            "%%t:last_name%%": last,
            "%%t:organisation%%": r.organisation,
            "%%t:role%%": label,
            "%%t:unsubscribe_url%%": url,
            "%%t:page_url%%": r.page_url,
            "%%h:first_name%%": esc(first),
            "%%h:last_name%%": escape(last, quote=True),  # mostly unique: not worth memoising
            "%%h:organisation%%": esc(r.organisation),
            "%%h:role%%": esc(label),
            "%%h:unsubscribe_url%%": escape(url, quote=True),
            # URL-safe base64 and our own host: nothing to escape, but the contract says escape
            "%%h:page_url%%": escape(r.page_url, quote=True),
        }


def display_name(name: str) -> str:
    """A recipient's name as SendGrid takes it in `to.name`: without `,` or `;`, which SendGrid
    reads as address separators and drops the letter as "Invalid" (the bounce policy would then
    wrongly mark the contact stale)."""
    if "," in name or ";" in name:
        return " ".join(_SEPARATORS.sub(" ", name).split())
    return name.strip()


_SEPARATORS = re.compile(r"[,;]")


class MailBodies:
    """Builds Mail Send bodies; the parts every request shares (sender, reply-to, List-Id,
    tracking, ASM group, sandbox mode) are read from the settings once, the sender name per
    language."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        base: dict[str, Any] = {}
        if settings.reply_to:
            base["reply_to"] = {"email": settings.reply_to}
        if settings.sendgrid_asm_group_id is not None:
            base["asm"] = {"group_id": settings.sendgrid_asm_group_id}
        if settings.sendgrid_sandbox:
            base["mail_settings"] = {"sandbox_mode": {"enable": True}}
        # Explicit, whatever the account's defaults: SendGrid's subscription tracking would add
        # its own footer and unsubscribe link; per-person open and click tracking stays off
        # unless switched on (EU guidance on tracking pixels; the network needs aggregates).
        base["tracking_settings"] = {
            "subscription_tracking": {"enable": False},
            "open_tracking": {"enable": settings.sendgrid_open_tracking},
            "click_tracking": {
                "enable": settings.sendgrid_click_tracking,
                "enable_text": settings.sendgrid_click_tracking,
            },
        }
        self._base = base

    def _shared(self, edition: str, variant: Variant) -> dict[str, Any]:
        """What every request of one variant carries: the base, From and the list headers."""
        settings = self.settings
        name = settings.from_name_for(variant.language)
        headers = {"List-Id": settings.list_id}
        if settings.sendgrid_feedback_id:
            headers["Feedback-ID"] = settings.sendgrid_feedback_id.format(
                edition=edition, variant=variant.key
            )
        return {
            "from": {"email": settings.from_email, "name": name},
            **self._base,
            "headers": headers,
        }

    def batch_body(self, batch: Batch) -> dict[str, Any]:
        compiled = batch.compiled
        if not batch.recipients:
            raise ValueError("a batch needs at least one recipient")
        if len(batch.recipients) > MAX_PERSONALIZATIONS:
            raise ValueError(f"a batch holds at most {MAX_PERSONALIZATIONS} recipients")
        variant = compiled.variant
        edition, region, language = compiled.edition, variant.region.value, variant.language.value
        subs = _Substitutions(compiled)
        personalizations = [
            {
                "to": [{"email": r.email, "name": display_name(f"{r.first_name} {r.last_name}")}],
                "substitutions": subs(r),
                "custom_args": {
                    "delivery_id": r.delivery_id,
                    "edition": edition,
                    "region": region,
                    "language": language,
                },
                "headers": unsubscribe_headers(r),
            }
            for r in batch.recipients
        ]
        return {
            **self._shared(edition, variant),
            "personalizations": personalizations,
            "subject": compiled.subject,
            # RFC 2046 5.1.4 and SendGrid: text/plain first, then text/html
            "content": [
                {"type": "text/plain", "value": compiled.text},
                {"type": "text/html", "value": compiled.html},
            ],
            "categories": [f"vipu-{edition}", f"vipu-{variant.key}"],
        }

    def message_body(self, message: OutgoingMessage) -> dict[str, Any]:
        return {
            **self._shared(message.edition, message.variant),
            "personalizations": [
                {
                    "to": [{"email": message.to_email, "name": display_name(message.to_name)}],
                    "custom_args": {
                        "delivery_id": message.delivery_id,
                        "edition": message.edition,
                        "region": message.variant.region.value,
                        "language": message.variant.language.value,
                    },
                    **({"headers": dict(message.headers)} if message.headers else {}),
                }
            ],
            "subject": message.subject,
            "content": [
                {"type": "text/plain", "value": message.text},
                {"type": "text/html", "value": message.html},
            ],
            "categories": [f"vipu-{message.edition}", "vipu-test"],
        }
