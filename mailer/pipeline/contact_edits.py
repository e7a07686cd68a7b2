"""A coordinator's changes to one contact in the workspace: details, unsubscribe, reactivate,
erase. Each change and its audit entry commit together (`audit.record_in`).

The audit entry names the contact by id (`contact:<id>`) and the changed fields, not their
values: the values (which may be an address) live in the contact's own history, which an
erasure removes with the contact.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from mailer.core.accounts import AuditAction
from mailer.core.models import ContactStatus, Language, Region, Role
from mailer.core.roster.values import check_email
from mailer.pipeline.audit import record_in
from mailer.pipeline.contacts import address_hash, is_spam_complaint
from mailer.pipeline.context import Context
from mailer.pipeline.register_browse import contact_target
from mailer.store import contacts as contact_store
from mailer.store import register_edit as store
from mailer.store.erasure import erase_contact as erase_rows

__all__ = [
    "REACTIVATABLE",
    "Edited",
    "FieldError",
    "Outcome",
    "edit_contact",
    "erase_contact_by_id",
    "reactivate",
    "unsubscribe",
    "validate_details",
]

# the statuses a coordinator may reactivate from (a stopped address, a stopped person)
REACTIVATABLE = frozenset({ContactStatus.STALE.value, ContactStatus.UNSUBSCRIBED.value})
_LIMITS = {"first_name": 200, "last_name": 200, "title": 200, "organisation": 300}
_REQUIRED = ("first_name", "last_name", "organisation")
_CHOICES: dict[str, type[Region] | type[Language] | type[Role]] = {
    "region": Region,
    "language": Language,
    "role": Role,
}


class FieldError(StrEnum):
    """Why a field was refused (the page words each one in the account's language)."""

    REQUIRED = "required"
    TOO_LONG = "too_long"
    INVALID_EMAIL = "invalid_email"
    EMAIL_TAKEN = "email_taken"
    INVALID_CHOICE = "invalid_choice"


class Outcome(StrEnum):
    DONE = "done"
    UNCHANGED = "unchanged"  # nothing to do (same values, already in that status)
    NOT_FOUND = "not_found"
    SPAM_OVERRIDE_NEEDED = "spam_override_needed"


class Edited(NamedTuple):
    outcome: Outcome
    errors: dict[str, FieldError]
    changed: list[str]


def validate_details(given: dict[str, str]) -> tuple[dict[str, str | None], dict[str, FieldError]]:
    """The form's values cleaned (trimmed, the address normalised), and the field errors."""
    values: dict[str, str | None] = {}
    errors: dict[str, FieldError] = {}
    for name in store.EDITABLE:
        text = " ".join((given.get(name) or "").split())
        if name in _REQUIRED and not text:
            errors[name] = FieldError.REQUIRED
        elif len(text) > _LIMITS.get(name, 320):
            errors[name] = FieldError.TOO_LONG
        elif name in _CHOICES and text not in {m.value for m in _CHOICES[name]}:
            errors[name] = FieldError.INVALID_CHOICE
        values[name] = (text or None) if name == "title" else text
    email, _reason = check_email(given.get("email") or "")
    if email is None:
        errors["email"] = FieldError.INVALID_EMAIL
    values["email"] = email
    return values, errors


def edit_contact(ctx: Context, contact_id: int, given: dict[str, str], *, actor: str) -> Edited:
    """Save the details when every field is valid; nothing is written otherwise."""
    values, errors = validate_details(given)
    if errors:
        return Edited(Outcome.UNCHANGED, errors, [])
    now = ctx.now()
    with ctx.engine.begin() as conn:
        row = store.contact_for_update(conn, contact_id)
        if row is None:
            return Edited(Outcome.NOT_FOUND, {}, [])
        changed = {k: v for k, v in values.items() if (row[k] or None) != (v or None)}
        if "email" in changed and store.email_taken(conn, str(values["email"]), contact_id):
            return Edited(Outcome.UNCHANGED, {"email": FieldError.EMAIL_TAKEN}, [])
        if not changed:
            return Edited(Outcome.UNCHANGED, {}, [])
        note = "; ".join(f"{k}: {row[k] or ''} → {v or ''}" for k, v in changed.items())
        store.write_details(conn, contact_id, changed, at=now, actor=actor, note=note)
        record_in(
            conn, now, actor=actor, action=AuditAction.CONTACT_UPDATE,
            target=contact_target(contact_id), detail="changed: " + ", ".join(changed),
        )  # fmt: skip
    return Edited(Outcome.DONE, {}, list(changed))


def unsubscribe(ctx: Context, contact_id: int, *, note: str, actor: str) -> Outcome:
    """Stop the contact's letters (they asked by phone or email); the note says why."""
    now = ctx.now()
    with ctx.engine.begin() as conn:
        if store.contact_for_update(conn, contact_id) is None:
            return Outcome.NOT_FOUND
        changed = contact_store.change_status(
            conn, contact_id, ContactStatus.UNSUBSCRIBED, at=now, kind="unsubscribed",
            reason="unsubscribed by a coordinator", note=note, actor=actor, source="workspace",
        )  # fmt: skip
        if not changed:
            return Outcome.UNCHANGED
        record_in(
            conn, now, actor=actor, action=AuditAction.CONTACT_UNSUBSCRIBE,
            target=contact_target(contact_id), detail=note,
        )  # fmt: skip
    return Outcome.DONE


def reactivate(
    ctx: Context, contact_id: int, *, note: str, actor: str, override: bool = False
) -> Outcome:
    """Make a stale or unsubscribed contact active again. Someone who reported the letter as
    spam is mailed again only with an explicit `override`: their complaint counts against the
    sender's reputation at every mailbox provider."""
    now = ctx.now()
    with ctx.engine.begin() as conn:
        row = store.contact_for_update(conn, contact_id)
        if row is None:
            return Outcome.NOT_FOUND
        if row["status"] not in REACTIVATABLE:
            # active already; or a status with its own way back (a pending successor is
            # approved, not reactivated)
            return Outcome.UNCHANGED
        spam = row["status"] == ContactStatus.UNSUBSCRIBED.value and is_spam_complaint(
            contact_store.latest_unsubscribe(conn, contact_id)
        )
        if spam and not override:
            return Outcome.SPAM_OVERRIDE_NEEDED
        contact_store.change_status(
            conn, contact_id, ContactStatus.ACTIVE, at=now, kind="reactivated",
            note=note, actor=actor, source="workspace",
        )  # fmt: skip
        detail = f"{note} (spam complaint overridden)" if spam else note
        record_in(
            conn, now, actor=actor, action=AuditAction.CONTACT_REACTIVATE,
            target=contact_target(contact_id), detail=detail,
        )  # fmt: skip
    return Outcome.DONE


def erase_contact_by_id(ctx: Context, contact_id: int, *, actor: str) -> Outcome:
    """GDPR erasure (`store.erasure`): the person goes, the ledger and events stay anonymised;
    the audit entry keeps only the id, the region and the counts."""
    now = ctx.now()
    with ctx.engine.begin() as conn:
        row = store.contact_for_update(conn, contact_id)
        if row is None:
            return Outcome.NOT_FOUND
        digest = address_hash(ctx.settings, row["email"])
        counts = erase_rows(conn, contact_id, row["email"], now, digest)
        detail = (
            f"region {row['region']}; kept anonymised: {counts['deliveries']} deliveries, "
            f"{counts['events']} events"
        )
        record_in(
            conn, now, actor=actor, action=AuditAction.CONTACT_ERASE,
            target=contact_target(contact_id), detail=detail,
        )  # fmt: skip
    return Outcome.DONE
