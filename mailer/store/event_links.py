"""Link delivery events to the ledger in bulk: our delivery id, else the X-Message-Id prefix,
else the address. Each link says how it was made (`LinkVia`, stored with the event): only a
delivery id or a message id proves that SendGrid took a request (the ambiguity rule); an
address names the person, not the request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.core.models import DeliveryEvent
from mailer.store.bulk import IN_IDS, chunks
from mailer.store.tables import contacts, deliveries, send_batches

__all__ = ["PROOF", "LedgerLink", "LinkVia", "link_events"]


class LinkVia(StrEnum):
    """How an event was linked to the ledger (events.linked_by)."""

    DELIVERY_ID = "delivery_id"  # our delivery id from custom_args
    MESSAGE_ID = "message_id"  # the X-Message-Id prefix of sg_message_id
    ADDRESS = "address"  # the address alone: names the contact, proves no request


# the links that prove SendGrid accepted the request of the linked delivery
PROOF = (LinkVia.DELIVERY_ID, LinkVia.MESSAGE_ID)


@dataclass(frozen=True)
class LedgerLink:
    """Where an event belongs in the ledger (every field None: unlinked)."""

    delivery_pk: int | None = None
    contact_id: int | None = None
    edition: str | None = None
    via: LinkVia | None = None


def link_events(conn: Connection, evs: Sequence[DeliveryEvent]) -> list[LedgerLink]:
    """The ledger link of each event, in order: our `delivery_id` from custom_args, else the
    `sg_message_id` prefix (the X-Message-Id of the send request, SendGrid docs "Event Webhook
    Reference") with the address, else the address alone (that contact's delivery of the event's
    edition, or their latest delivery). Three bulk lookups per call, never one per event."""
    links: list[LedgerLink | None] = [None] * len(evs)
    _link_by_delivery_id(conn, evs, links)
    _link_by_message_id(conn, evs, links)
    _link_by_email(conn, evs, links)
    return [link or LedgerLink() for link in links]


def _link_by_delivery_id(
    conn: Connection, evs: Sequence[DeliveryEvent], links: list[LedgerLink | None]
) -> None:
    """Fill `links` for the events that carry a delivery id the ledger knows."""
    by_delivery_id: dict[str, LedgerLink] = {}
    wanted = {e.delivery_id for e in evs if e.delivery_id}
    query = sa.select(
        deliveries.c.delivery_id, deliveries.c.id, deliveries.c.contact_id, deliveries.c.edition
    ).where(deliveries.c.delivery_id.in_(IN_IDS))
    for chunk in chunks(wanted):
        for did, pk, contact_id, edition in conn.execute(query, {"ids": chunk}):
            by_delivery_id[did] = LedgerLink(pk, contact_id, edition, LinkVia.DELIVERY_ID)
    for i, e in enumerate(evs):
        if e.delivery_id and e.delivery_id in by_delivery_id:
            links[i] = by_delivery_id[e.delivery_id]


def _message_prefix(event: DeliveryEvent) -> str | None:
    return event.provider_message_id.split(".", 1)[0] if event.provider_message_id else None


def _link_by_message_id(
    conn: Connection, evs: Sequence[DeliveryEvent], links: list[LedgerLink | None]
) -> None:
    """Fill the still unlinked `links` whose event names a message id the ledger knows."""
    prefixes = {p for i, e in enumerate(evs) if links[i] is None and (p := _message_prefix(e))}
    if not prefixes:
        return
    by_message = _by_message_id(conn, prefixes)
    for i, e in enumerate(evs):
        prefix = _message_prefix(e)
        if links[i] is not None or prefix is None:
            continue
        candidates = by_message.get(prefix, {})
        if e.email and e.email in candidates:
            links[i] = replace(candidates[e.email], via=LinkVia.MESSAGE_ID)
        elif len(candidates) == 1:  # a single-recipient request
            links[i] = replace(next(iter(candidates.values())), via=LinkVia.MESSAGE_ID)


def _link_by_email(
    conn: Connection, evs: Sequence[DeliveryEvent], links: list[LedgerLink | None]
) -> None:
    """Fill the still unlinked `links` by the event's address: that contact's delivery of the
    event's edition, else their latest delivery, else the contact alone."""
    emails = {e.email for i, e in enumerate(evs) if links[i] is None and e.email}
    if not emails:
        return
    by_email = _by_email(conn, emails)
    for i, e in enumerate(evs):
        if links[i] is None and e.email and e.email in by_email:
            contact_id, per_edition = by_email[e.email]
            links[i] = _link_for_edition(contact_id, per_edition, e.edition)


def _link_for_edition(
    contact_id: int, per_edition: dict[str, int], edition: str | None
) -> LedgerLink:
    if edition and edition in per_edition:
        return LedgerLink(per_edition[edition], contact_id, edition, LinkVia.ADDRESS)
    if per_edition:
        latest, pk = max(per_edition.items(), key=lambda kv: kv[1])
        return LedgerLink(pk, contact_id, latest, LinkVia.ADDRESS)
    return LedgerLink(None, contact_id, None, LinkVia.ADDRESS)


def _by_message_id(conn: Connection, prefixes: set[str]) -> dict[str, dict[str | None, LedgerLink]]:
    """prefix -> {recipient address -> link}, from deliveries.message_id and from the batch's."""
    found: dict[str, dict[str | None, LedgerLink]] = {}
    cols = (deliveries.c.email, deliveries.c.id, deliveries.c.contact_id, deliveries.c.edition)
    queries = (
        sa.select(deliveries.c.message_id, *cols).where(deliveries.c.message_id.in_(IN_IDS)),
        sa.select(send_batches.c.message_id, *cols)
        .join(send_batches, send_batches.c.id == deliveries.c.batch_id)
        .where(send_batches.c.message_id.in_(IN_IDS)),
    )
    for chunk in chunks(prefixes):
        for query in queries:
            for message_id, email, pk, contact_id, edition in conn.execute(query, {"ids": chunk}):
                address = email.lower() if email else None
                found.setdefault(message_id, {})[address] = LedgerLink(pk, contact_id, edition)
    return found


def _by_email(conn: Connection, emails: set[str]) -> dict[str, tuple[int, dict[str, int]]]:
    """address -> (contact id, {edition -> delivery pk})."""
    found: dict[str, tuple[int, dict[str, int]]] = {}
    query = (
        sa.select(contacts.c.email, contacts.c.id, deliveries.c.edition, deliveries.c.id)
        .outerjoin(deliveries, deliveries.c.contact_id == contacts.c.id)
        .where(contacts.c.email.in_(IN_IDS))
    )
    for chunk in chunks(emails):
        for email, contact_id, edition, pk in conn.execute(query, {"ids": chunk}):
            _, per_edition = found.setdefault(email, (contact_id, {}))
            if edition is not None and pk is not None:
                per_edition[edition] = pk
    return found
