"""What the contact page grants only after a confirmation link is opened: a new address (the
link goes to that address; the old one keeps receiving until then) and a successor (the link
goes to the successor, who then becomes a pending contact of the same organisation and region).
The links carry what they grant and end after MAILER_CONFIRMATION_LINK_HOURS
(mailer.core.contacts.links)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import NamedTuple

from mailer.core.accounts import AuditAction
from mailer.core.contacts.forms import Successor
from mailer.core.contacts.links import LinkPurpose, make_link, read_link
from mailer.core.models import ContactStatus, Language, Role
from mailer.core.tokens import InvalidTokenError
from mailer.pipeline.audit import record_in
from mailer.pipeline.contact_page.actions import SOURCE, actor
from mailer.pipeline.contact_page.mail import send_address_link, send_successor_letter
from mailer.pipeline.contact_page.owner import PageOwner, owner_of_key
from mailer.pipeline.contact_page.pending import approve_in
from mailer.pipeline.context import Context
from mailer.providers import Provider
from mailer.store.contact_page import add_note, email_in_use, insert_pending, update_fields
from mailer.store.contacts import change_status

__all__ = [
    "AddressLink",
    "AddressOutcome",
    "SuccessorLink",
    "SuccessorOutcome",
    "address_link",
    "confirm_address",
    "confirm_successor",
    "name_successor",
    "request_address_change",
    "successor_link",
]

CONFIRMED_KIND = "successor_confirmed"  # the pending contact's history row naming the leaver


def _secret(ctx: Context) -> str:
    return ctx.settings.secret_key.get_secret_value()


def _masked(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


def _token(ctx: Context, purpose: LinkPurpose, payload: dict[str, str]) -> str:
    until = ctx.now() + timedelta(hours=ctx.settings.confirmation_link_hours)
    return make_link(_secret(ctx), purpose, payload, until=until)


# --- a new address --------------------------------------------------------------------------


class AddressLink(NamedTuple):
    owner: PageOwner
    new_email: str


class AddressOutcome(StrEnum):
    CHANGED = "changed"
    ALREADY = "already"  # the link was opened before: the address is already the new one
    TAKEN = "taken"  # another contact has that address: nothing changes


def request_address_change(
    ctx: Context, owner: PageOwner, new_email: str, provider: Provider | None = None
) -> bool:
    """Mail the confirmation link to the new address (in the contact's language); nothing else
    changes yet. Returns whether the provider took the message."""
    token = _token(ctx, LinkPurpose.ADDRESS, {"k": owner.token_key, "e": new_email})
    link = f"{ctx.settings.public_url}/confirm/address/{token}"
    sent = send_address_link(ctx, provider, to=new_email, first_name=owner.first_name,
                             language=owner.language, region=owner.region, link=link)  # fmt: skip
    now = ctx.now()
    note = f"confirmation link for a new address sent to {_masked(new_email)}"
    with ctx.engine.begin() as conn:
        add_note(conn, owner.id, at=now, kind="address_requested", note=note, actor=actor(owner),
                 source=SOURCE)  # fmt: skip
        record_in(conn, now, actor=actor(owner), action=AuditAction.CONTACT_ADDRESS_REQUESTED,
                  target=f"contact:{owner.id}", detail=note)  # fmt: skip
    return sent


def address_link(ctx: Context, token: str) -> AddressLink | None:
    """What a confirmation link grants; None when it is forged, ended or its contact erased."""
    try:
        payload = read_link(_secret(ctx), LinkPurpose.ADDRESS, token, now=ctx.now())
    except InvalidTokenError:
        return None
    owner = owner_of_key(ctx, payload.get("k", ""))
    email = payload.get("e", "")
    return AddressLink(owner, email) if owner is not None and email else None


def confirm_address(ctx: Context, link: AddressLink) -> AddressOutcome:
    owner, new = link
    now = ctx.now()
    with ctx.engine.begin() as conn:
        if owner.email == new:
            return AddressOutcome.ALREADY
        if email_in_use(conn, new):
            return AddressOutcome.TAKEN
        update_fields(conn, owner.id, now, email=new)
        note = f"address {owner.email} -> {new} (confirmed from the new address)"
        add_note(conn, owner.id, at=now, kind="address_changed", note=note, actor=actor(owner),
                 source=SOURCE)  # fmt: skip
        if owner.status is ContactStatus.STALE:
            # the old address stopped working; the new one has just proved it receives mail
            change_status(conn, owner.id, ContactStatus.ACTIVE, at=now, kind="address_changed",
                          source=SOURCE, actor=actor(owner),
                          reason="a new address confirmed on their own page")  # fmt: skip
        record_in(conn, now, actor=actor(owner), action=AuditAction.CONTACT_ADDRESS_CONFIRMED,
                  target=f"contact:{owner.id}", detail=note)  # fmt: skip
    return AddressOutcome.CHANGED


# --- a successor ----------------------------------------------------------------------------


class SuccessorLink(NamedTuple):
    leaver: PageOwner
    first_name: str
    last_name: str
    email: str
    role: Role


class SuccessorOutcome(StrEnum):
    PENDING = "pending"  # waits for a coordinator
    ACTIVE = "active"  # MAILER_SUCCESSOR_AUTO_APPROVE: confirmation was enough
    ALREADY_LISTED = "already_listed"  # the address is in the register already


def name_successor(
    ctx: Context, owner: PageOwner, successor: Successor, provider: Provider | None = None
) -> bool:
    """Mail the successor the bilingual letter with their confirmation link. The leaver stays
    as they are until the successor is approved (then retired), unless they asked to stop at
    once (`stop_now`): then they are retired now."""
    role = successor.role or owner.role
    payload = {"k": owner.token_key, "f": successor.first_name, "l": successor.last_name,
               "e": successor.email, "r": role.value}  # fmt: skip
    link = (
        f"{ctx.settings.public_url}/confirm/successor/{_token(ctx, LinkPurpose.SUCCESSOR, payload)}"
    )
    sent = send_successor_letter(
        ctx, provider, to=successor.email, name=f"{successor.first_name} {successor.last_name}",
        leaver=f"{owner.first_name} {owner.last_name}", organisation=owner.organisation,
        region=owner.region, link=link,
    )  # fmt: skip
    now = ctx.now()
    note = f"named {successor.first_name} {successor.last_name} as their successor"
    with ctx.engine.begin() as conn:
        add_note(conn, owner.id, at=now, kind="successor_named", note=note, actor=actor(owner),
                 source=SOURCE)  # fmt: skip
        record_in(conn, now, actor=actor(owner), action=AuditAction.SUCCESSOR_NAMED,
                  target=f"contact:{owner.id}", detail=note)  # fmt: skip
        if successor.stop_now:
            change_status(conn, owner.id, ContactStatus.RETIRED, at=now, kind="retired",
                          source=SOURCE, actor=actor(owner),
                          reason="left the role (said so on their own page)")  # fmt: skip
    return sent


def successor_link(ctx: Context, token: str) -> SuccessorLink | None:
    try:
        p = read_link(_secret(ctx), LinkPurpose.SUCCESSOR, token, now=ctx.now())
        role = Role(p.get("r", ""))
    except (InvalidTokenError, ValueError):
        return None
    leaver = owner_of_key(ctx, p.get("k", ""))
    if leaver is None or not p.get("e"):
        return None
    return SuccessorLink(leaver, p.get("f", ""), p.get("l", ""), p["e"], role)


def confirm_successor(ctx: Context, link: SuccessorLink, language: Language) -> SuccessorOutcome:
    """The successor as a pending contact of the leaver's organisation and region, in the
    language they chose; active at once with MAILER_SUCCESSOR_AUTO_APPROVE."""
    leaver = link.leaver
    now = ctx.now()
    with ctx.engine.begin() as conn:
        if email_in_use(conn, link.email):
            return SuccessorOutcome.ALREADY_LISTED
        new_id = insert_pending(
            conn, now, email=link.email, first_name=link.first_name, last_name=link.last_name,
            organisation=leaver.organisation, org_type=leaver.org_type,
            municipality=leaver.municipality, region=leaver.region, language=language.value,
            role=link.role.value, title=None,
        )  # fmt: skip
        note = f"confirmed their address as the successor of {leaver.first_name} {leaver.last_name}"
        add_note(conn, new_id, at=now, kind=CONFIRMED_KIND, note=note, actor=f"contact:{new_id}",
                 source=f"contact:{leaver.id}")  # fmt: skip
        who = f"contact:{new_id}"
        record_in(conn, now, actor=who, action=AuditAction.SUCCESSOR_CONFIRMED, target=who,
                  detail=f"successor of contact:{leaver.id}")  # fmt: skip
        if ctx.settings.successor_auto_approve:
            approve_in(conn, new_id, now, by="MAILER_SUCCESSOR_AUTO_APPROVE")
            return SuccessorOutcome.ACTIVE
    return SuccessorOutcome.PENDING
