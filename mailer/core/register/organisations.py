"""PURE: the register seen per organisation. The VIP network needs every municipality, private
education provider and teacher-training school to have at least one VIPU contact who actually
receives the letter; an organisation whose contacts are all stale or unsubscribed must be asked
to appoint a new one. Contacts in, organisations out."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from pydantic import BaseModel

from mailer.core.models import ContactStatus, OrgType, Region

__all__ = [
    "Member",
    "Organisation",
    "OrganisationKey",
    "OrganisationSummary",
    "SpellingCount",
    "group_organisations",
    "organisation_key",
    "summarise_organisations",
]


class OrganisationKey(NamedTuple):
    region: Region
    org_type: str
    name: str  # a municipality's code, else the organisation's name case- and space-folded


class Member(BaseModel):
    """One contact as the organisation view shows it."""

    contact_id: int
    name: str
    email: str
    role: str
    language: str
    status: ContactStatus
    status_changed_at: datetime | None


class Organisation(BaseModel):
    region: Region
    org_type: str
    name: str  # as most of its contacts' rosters write it
    municipality: str | None  # municipality code
    members: list[Member]

    @property
    def has_active_contact(self) -> bool:
        return any(m.status is ContactStatus.ACTIVE for m in self.members)


# read once: an enum member's `.value` goes through a descriptor, and this runs per contact
_MUNICIPALITY = OrgType.MUNICIPALITY.value


def organisation_key(
    region: Region, org_type: str, municipality: str | None, organisation: str
) -> OrganisationKey:
    """A municipality is one organisation whatever its contacts typed as its name (Espoon
    kaupunki, Esbo stad): its code is the key. Other organisations are told apart by name, with
    case and spacing differences ignored."""
    if org_type == _MUNICIPALITY and municipality:
        return OrganisationKey(region, org_type, municipality)
    return OrganisationKey(region, org_type, " ".join(organisation.casefold().split()))


class ContactRow(NamedTuple):
    """What grouping needs of a register row."""

    contact_id: int
    first_name: str
    last_name: str
    email: str
    organisation: str
    org_type: str
    municipality: str | None
    region: Region
    language: str
    role: str
    status: ContactStatus
    status_changed_at: datetime | None


def group_organisations(rows: Iterable[ContactRow]) -> list[Organisation]:
    """Every organisation with its contacts, ordered by region, type and name."""
    grouped: dict[OrganisationKey, list[ContactRow]] = defaultdict(list)
    for row in rows:
        grouped[
            organisation_key(row.region, row.org_type, row.municipality, row.organisation)
        ].append(row)
    found = [_organisation(key, members) for key, members in grouped.items()]
    return sorted(found, key=lambda o: (o.region.value, o.org_type, o.name.casefold()))


def _organisation(key: OrganisationKey, rows: list[ContactRow]) -> Organisation:
    # The rosters may spell a municipality "Espoon kaupunki" and "Esbo stad": show the spelling
    # most of them use (alphabetically first on a tie), so the name does not depend on row order.
    spellings = Counter(r.organisation for r in rows)
    name = min(spellings, key=lambda text: (-spellings[text], text))
    return Organisation(
        region=key.region,
        org_type=key.org_type,
        name=name,
        municipality=rows[0].municipality,
        members=[
            Member(
                contact_id=r.contact_id,
                name=f"{r.first_name} {r.last_name}".strip(),
                email=r.email,
                role=r.role,
                language=r.language,
                status=r.status,
                status_changed_at=r.status_changed_at,
            )
            for r in rows
        ],
    )


class SpellingCount(NamedTuple):
    """How many contacts of one status write the organisation so (a database GROUP BY row)."""

    region: Region
    org_type: str
    municipality: str | None
    organisation: str
    status: ContactStatus
    contacts: int


class OrganisationSummary(NamedTuple):
    """An organisation with its contacts counted per status, not listed."""

    region: Region
    org_type: str
    name: str
    municipality: str | None
    counts: dict[ContactStatus, int]

    @property
    def has_active_contact(self) -> bool:
        return self.counts.get(ContactStatus.ACTIVE, 0) > 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def summarise_organisations(rows: Iterable[SpellingCount]) -> list[OrganisationSummary]:
    """The organisations of `group_organisations`, counted: the same keys, the same name rule
    (the spelling most contacts use), in the same order."""
    grouped: dict[OrganisationKey, list[SpellingCount]] = defaultdict(list)
    for row in rows:
        key = organisation_key(row.region, row.org_type, row.municipality, row.organisation)
        grouped[key].append(row)
    found = []
    for key, parts in grouped.items():
        spellings: Counter[str] = Counter()
        counts: Counter[ContactStatus] = Counter()
        for part in parts:
            spellings[part.organisation] += part.contacts
            counts[part.status] += part.contacts
        name = min(spellings, key=lambda text: (-spellings[text], text))
        municipality = next((p.municipality for p in parts if p.municipality), None)
        found.append(
            OrganisationSummary(key.region, key.org_type, name, municipality, dict(counts))
        )
    return sorted(found, key=lambda o: (o.region.value, o.org_type, o.name.casefold()))
