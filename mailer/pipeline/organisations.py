"""Organisations and their VIPU contacts, read from the register in one transaction."""

from __future__ import annotations

from mailer.core.models import ContactStatus, Region
from mailer.core.register.organisations import ContactRow, Organisation, group_organisations
from mailer.pipeline.context import Context
from mailer.store import reports as q

__all__ = ["list_organisations"]


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
