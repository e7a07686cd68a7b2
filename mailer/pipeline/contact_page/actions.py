"""What a contact changes on their own page at once: the letter's language, their details, an
unsubscribe. Each in one transaction with its history row and its audit entry (actor
"contact:<id>"), so the change and its record commit together."""

from __future__ import annotations

from mailer.core.accounts import AuditAction
from mailer.core.contacts.forms import Details
from mailer.core.models import ContactStatus, Language
from mailer.pipeline.audit import record_in
from mailer.pipeline.contact_page.owner import PageOwner
from mailer.pipeline.context import Context
from mailer.store.contact_page import add_note, update_fields
from mailer.store.contacts import change_status

__all__ = ["SOURCE", "actor", "correct_details", "switch_language", "unsubscribe"]

SOURCE = "contact-page"  # contact_history.source of the page's changes


def actor(owner: PageOwner) -> str:
    return f"contact:{owner.id}"


def switch_language(ctx: Context, owner: PageOwner, language: Language) -> bool:
    """The letter's language from the next send on; False when it already was."""
    if language is owner.language:
        return False
    now = ctx.now()
    note = f"letter language {owner.language.value} -> {language.value}"
    with ctx.engine.begin() as conn:
        update_fields(conn, owner.id, now, language=language.value)
        add_note(conn, owner.id, at=now, kind="language", note=note, actor=actor(owner),
                 source=SOURCE)  # fmt: skip
        record_in(conn, now, actor=actor(owner), action=AuditAction.CONTACT_LANGUAGE_SWITCHED,
                  target=f"contact:{owner.id}", detail=note)  # fmt: skip
    return True


def correct_details(ctx: Context, owner: PageOwner, details: Details) -> list[str]:
    """Name, title and role as the contact wrote them; returns the fields that changed. A
    later roster import may write them again: the roster stays the organisation's word."""
    before = {
        "first_name": owner.first_name,
        "last_name": owner.last_name,
        "title": owner.title,
        "role": owner.role.value,
    }
    after = {
        "first_name": details.first_name,
        "last_name": details.last_name,
        "title": details.title,
        "role": details.role.value,
    }
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        return []
    now = ctx.now()
    note = "; ".join(f"{name}: {before[name] or ''} -> {after[name] or ''}" for name in changed)
    with ctx.engine.begin() as conn:
        update_fields(conn, owner.id, now, **{name: after[name] for name in changed})
        add_note(conn, owner.id, at=now, kind="details", note=note, actor=actor(owner),
                 source=SOURCE)  # fmt: skip
        record_in(conn, now, actor=actor(owner), action=AuditAction.CONTACT_DETAILS_CORRECTED,
                  target=f"contact:{owner.id}", detail=", ".join(changed))  # fmt: skip
    return changed


def unsubscribe(ctx: Context, owner: PageOwner) -> bool:
    """As the letter's unsubscribe link does; False when already unsubscribed."""
    now = ctx.now()
    with ctx.engine.begin() as conn:
        changed = change_status(
            conn,
            owner.id,
            ContactStatus.UNSUBSCRIBED,
            at=now,
            kind="unsubscribed",
            source=SOURCE,
            actor=actor(owner),
            reason="unsubscribed on their own page",
        )
        if changed:
            record_in(conn, now, actor=actor(owner), action=AuditAction.CONTACT_UNSUBSCRIBED,
                      target=f"contact:{owner.id}")  # fmt: skip
    return changed
