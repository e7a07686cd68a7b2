"""Messages from the workspace to its own users (a lapsed approval, an invitation, a link to set
a password): a catalogue's subject and body in the account's own language, as a one-off message
through the configured provider, outside every ledger.

Words: templates/web/workspace/i18n/mail.<fi|sv|en>.yaml (a part of the workspace's catalogue:
the shell loads it with the rest, so its keys are checked like every page's). A failure is
returned as text, never raised (`send.one_off`): the action the message accompanies stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

from mailer.core.accounts import UiLanguage
from mailer.core.models import Language, Region, Variant
from mailer.pipeline.context import Context
from mailer.pipeline.send.one_off import one_off_message, send_one_off

__all__ = ["OUTBOX_FOLDER", "mail_strings", "mail_user", "workspace_url"]

# The outbox folder (and SendGrid's `edition` custom arg) of the workspace's own messages: kept
# apart from the month's letters and test sends.
OUTBOX_FOLDER = "workspace"


@cache
def _strings(templates_dir: Path, language: str) -> dict[str, str]:
    path = templates_dir / "web" / "workspace" / "i18n" / f"mail.{language}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def mail_strings(ctx: Context, language: UiLanguage) -> dict[str, str]:
    return _strings(ctx.settings.templates_dir.resolve(), language.value)


def workspace_url(ctx: Context, path: str) -> str:
    """An absolute link to a workspace page (`path` starts with a slash)."""
    return ctx.settings.public_url.rstrip("/") + path


def mail_user(
    ctx: Context,
    *,
    to: str,
    name: str,
    language: UiLanguage,
    key: str,
    values: Mapping[str, object],
) -> str | None:
    """Send the catalogue's `<key>_subject` and `<key>_body`, filled with `values`, to one
    workspace user; None when the provider accepted it, else why not."""
    t = mail_strings(ctx, language)
    # The sender's name follows the letter's two languages; English readers get the Finnish one.
    sender = Language.SV if language is UiLanguage.SV else Language.FI
    message = one_off_message(
        to=to,
        name=name,
        subject=t[f"{key}_subject"].format(**values),
        text=t[f"{key}_body"].format(**values),
        folder=OUTBOX_FOLDER,
        variant=Variant(region=Region.HYKS, language=sender),
        lang=language.value,
    )
    return send_one_off(ctx, message)
