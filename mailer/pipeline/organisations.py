"""Organisations and their VIPU contacts, read from the register in one transaction."""

from __future__ import annotations

from mailer.core.models import ContactStatus, Region
from mailer.core.register.organisations import (
    ContactRow,
    Organisation,
    OrganisationSummary,
    SpellingCount,
    group_organisations,
    organisation_key,
    summarise_organisations,
)
from mailer.pipeline.context import Context
from mailer.store import reports as q
from mailer.store.organisations import status_counts

__all__ = ["find_organisation", "key_text", "list_organisations", "organisation_summaries"]


def list_organisations(
    ctx: Context, *, region: Region | None = None, without_contact: bool = False
) -> list[Organisation]:
    """Every organisation (of one region) with its contacts and statuses; `without_contact`
    keeps those with no active contact, the ones that must appoint a new one."""
    with ctx.engine.connect() as conn:
        rows = q.contact_rows(conn, region=region.value if region else None)
    found = group_organisations(
        ContactRow(
            contact_id=r["id"],
            first_name=r["first_name"],
            last_name=r["last_name"],
            email=r["email"],
            organisation=r["organisation"],
            org_type=r["org_type"],
            municipality=r["municipality"],
            region=Region(r["region"]),
            language=r["language"],
            role=r["role"],
            status=ContactStatus(r["status"]),
            status_changed_at=r["status_changed_at"],
        )
        for r in rows
    )
    return [o for o in found if not (without_contact and o.has_active_contact)]


def organisation_summaries(
    ctx: Context, *, region: Region | None = None, without_contact: bool = False
) -> list[OrganisationSummary]:
    """The organisations of `list_organisations` with their contacts counted per status (the
    workspace's list: the database counts, so it stays quick at any register size)."""
    with ctx.engine.connect() as conn:
        rows = status_counts(conn, region=region.value if region else None)
    found = summarise_organisations(
        SpellingCount(Region(reg), org_type, code, name, ContactStatus(status), int(count))
        for reg, org_type, code, name, status, count in rows
    )
    return [o for o in found if not (without_contact and o.has_active_contact)]


def key_text(org: Organisation | OrganisationSummary) -> str:
    """The organisation's key as one string (region:type:name), for its page's address. A
    municipality's name part is its code; another organisation's its folded name."""
    key = organisation_key(org.region, org.org_type, org.municipality, org.name)
    return f"{key.region.value}:{key.org_type}:{key.name}"


def find_organisation(ctx: Context, key: str) -> Organisation | None:
    """The organisation `key_text` named, or None (no contact of it is left)."""
    region, _, _rest = key.partition(":")
    try:
        where = Region(region)
    except ValueError:
        return None
    return next((o for o in list_organisations(ctx, region=where) if key_text(o) == key), None)
