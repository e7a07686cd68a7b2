"""The reports' shapes: what a bounce report and an edition report say, independent of where
the figures come from (pipeline/reports.py fills them) or how they are shown (csv_export.py, the
web pages, the CLI tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from mailer.core.models import ContactStatus, Language, Region

__all__ = [
    "FIGURES",
    "BounceReport",
    "ContactEntry",
    "EditionFigures",
    "EditionReport",
    "EvidenceItem",
    "OrganisationGap",
    "RegionBounces",
]


class EvidenceItem(BaseModel):
    """One provider event that speaks against an address."""

    event_type: str
    occurred_at: datetime
    status: str | None = None  # SMTP status, e.g. 5.1.1
    reason: str | None = None
    bounce_type: str | None = None
    classification: str | None = None
    edition: str | None = None
    source: str


class ContactEntry(BaseModel):
    contact_id: int
    email: str
    name: str
    organisation: str
    org_type: str
    municipality: str | None  # the municipality's name in the contact's language
    role: str
    language: str
    status: ContactStatus
    verdict: Literal["stale", "suspect"]
    since: datetime | None  # when the status last changed
    status_reason: str | None
    soft_streak: int
    last_delivered_at: datetime | None  # the last good delivery we know of
    evidence: list[EvidenceItem] = Field(default_factory=list)


class OrganisationGap(BaseModel):
    """An organisation whose every contact is stale or unsubscribed: it must appoint a new one."""

    organisation: str
    org_type: str
    municipality: str | None
    contacts: list[str]  # "name <email> (status)" of the contacts it had
    last_change: datetime | None


class RegionBounces(BaseModel):
    region: Region
    name_fi: str
    name_sv: str
    stale: list[ContactEntry] = Field(default_factory=list)
    suspect: list[ContactEntry] = Field(default_factory=list)
    without_active_contact: list[OrganisationGap] = Field(default_factory=list)


class BounceReport(BaseModel):
    generated_at: datetime
    region: Region | None
    since: datetime | None
    regions: list[RegionBounces]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def totals(self) -> dict[str, int]:
        return {
            "stale": sum(len(r.stale) for r in self.regions),
            "suspect": sum(len(r.suspect) for r in self.regions),
            "without_active_contact": sum(len(r.without_active_contact) for r in self.regions),
        }


FIGURES = ("planned", "accepted", "delivered", "bounced", "dropped", "unsubscribed", "failed")


class EditionFigures(BaseModel):
    region: Region | None  # None on the totals row
    language: Language | None
    planned: int = 0  # ledger rows: everyone the edition was planned for
    accepted: int = 0  # the provider took the message
    delivered: int = 0  # a `delivered` event came back
    bounced: int = 0  # a `bounce` event (hard or blocked)
    dropped: int = 0  # the provider refused to send (suppressed, invalid)
    unsubscribed: int = 0  # left after this edition: link, one-click or provider unsubscribe
    complained: int = 0  # spam reports
    failed: int = 0  # our send failed permanently
    pending: int = 0  # still queued or sending


class EditionReport(BaseModel):
    edition: str
    generated_at: datetime
    rows: list[EditionFigures]  # one per region x language, in a fixed order
    total: EditionFigures
