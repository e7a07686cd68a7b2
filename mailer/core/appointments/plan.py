"""PURE: which organisations get an appointment request.

An organisation whose contacts are all stale, unsubscribed or retired has nobody who receives
the letter. If a roster gave its own address (the registry office), it can be asked to appoint
someone through a signed link; one without such an address is listed for a coordinator to chase
by hand. An organisation is asked at most once per round (month)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from mailer.core.models import ContactStatus
from mailer.core.register.organisations import (
    OrganisationKey,
    OrganisationSummary,
    organisation_key,
)
from mailer.core.roster.rows import RosterRow

__all__ = [
    "AddressEntry",
    "RequestPlan",
    "RequestTarget",
    "key_of",
    "plan_requests",
    "registry_addresses",
]


class AddressEntry(NamedTuple):
    key: OrganisationKey
    organisation: str
    email: str
    source: str  # file:line


class RequestTarget(NamedTuple):
    key: OrganisationKey
    organisation: str
    email: str


class RequestPlan(NamedTuple):
    targets: list[RequestTarget]  # to ask now
    without_address: list[OrganisationSummary]  # no working contact and no address: chase by hand
    already_asked: list[OrganisationSummary]  # asked this round already
    underway: list[OrganisationSummary]  # someone appointed is waiting for approval


def key_of(organisation: OrganisationSummary) -> OrganisationKey:
    return organisation_key(
        organisation.region, organisation.org_type, organisation.municipality, organisation.name
    )


def registry_addresses(rows: Iterable[RosterRow]) -> dict[OrganisationKey, AddressEntry]:
    """Each organisation's address from the roster rows that carry one; a later row (a later
    file) wins, as it does for the contacts' own fields."""
    found: dict[OrganisationKey, AddressEntry] = {}
    for row in rows:
        if row.registry_email is None:
            continue
        key = organisation_key(row.region, row.org_type.value, row.municipality, row.organisation)
        found[key] = AddressEntry(
            key, row.organisation, row.registry_email, f"{row.file}:{row.line}"
        )
    return found


def plan_requests(
    organisations: Iterable[OrganisationSummary],
    addresses: Mapping[OrganisationKey, AddressEntry],
    asked: set[OrganisationKey],
) -> RequestPlan:
    plan = RequestPlan([], [], [], [])
    for organisation in organisations:
        if organisation.has_active_contact:
            continue
        key = key_of(organisation)
        if organisation.counts.get(ContactStatus.PENDING):
            plan.underway.append(organisation)
        elif key in asked:
            plan.already_asked.append(organisation)
        elif key in addresses:
            plan.targets.append(RequestTarget(key, organisation.name, addresses[key].email))
        else:
            plan.without_address.append(organisation)
    return plan
