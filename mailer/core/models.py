"""Domain vocabulary shared by every layer: enums and pydantic models.

Imports nothing of ours (see ARCHITECTURE.md): the pure core, the adapters and the pipeline all
speak in these types.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BatchState",
    "CompiledVariant",
    "ContactStatus",
    "DeliveryEvent",
    "DeliveryState",
    "EventType",
    "Language",
    "OrgType",
    "OutgoingMessage",
    "Recipient",
    "Region",
    "Role",
    "ScheduleRunOutcome",
    "SendOutcome",
    "Variant",
]


class Region(StrEnum):
    """The five VIP regions: the statutory health-care cooperation areas (decree 91/2022)."""

    HYKS = "hyks"
    KYS = "kys"
    TAYS = "tays"
    TYKS = "tyks"
    OYS = "oys"


class Language(StrEnum):
    FI = "fi"
    SV = "sv"


class Role(StrEnum):
    """A VIPU contact's role in their organisation (DOMAIN.md)."""

    SUPPORT = "support"  # coordinates learning and school-attendance support
    WELFARE = "welfare"  # student welfare services (opiskeluhuolto / elevvård)
    ECEC = "ecec"  # early childhood education and care
    OTHER = "other"  # a job title the vocabulary does not know; the title is kept as written


class OrgType(StrEnum):
    MUNICIPALITY = "municipality"
    PRIVATE = "private"  # private education provider
    TRAINING_SCHOOL = "training_school"  # university teacher-training school


class ContactStatus(StrEnum):
    """Delivery status of a contact. Only `active` contacts are mailed. `stale` and
    `unsubscribed` are kept apart on purpose: stale means the address stopped working (the
    organisation must appoint someone new), unsubscribed means the person asked us to stop."""

    ACTIVE = "active"
    STALE = "stale"
    UNSUBSCRIBED = "unsubscribed"
    # A successor or appointee who confirmed their address and waits for a coordinator's
    # approval: known, not yet vouched for by anyone but themselves, so never mailed.
    PENDING = "pending"
    # Left the role (said so on their page, or a coordinator recorded it): kept with their
    # history, never mailed, not erased. A roster that still names them does not bring them
    # back; only a coordinator's reactivation does.
    RETIRED = "retired"


class DeliveryState(StrEnum):
    """Ledger row states: queued -> sending -> accepted | failed."""

    QUEUED = "queued"
    SENDING = "sending"
    ACCEPTED = "accepted"
    FAILED = "failed"


class BatchState(StrEnum):
    """send_batches states: a batch is created `sending` when it is claimed, then finished
    `accepted` (its rows have their own outcomes) or `failed` (a refused request)."""

    SENDING = "sending"
    ACCEPTED = "accepted"
    FAILED = "failed"


class ScheduleRunOutcome(StrEnum):
    """What a schedule fire did (schedule_runs.outcome; `duplicate` and `no-fire` are returned
    but never recorded: nothing ran)."""

    STARTED = "started"  # recorded before acting on the fire
    SENT = "sent"
    HELD = "held"  # not approved in time: the coordinators were told
    WAITING = "waiting"  # still held; told already, the daily retry stays quiet
    ALREADY_SENT = "already-sent"
    FAILED = "failed"
    APPROVED = "approved"  # a reminder found the edition approved: no mail
    REMINDED = "reminded"
    MISSED = "missed"
    SKIPPED = "skipped"  # the month was skipped (schedule_skips): nothing sent, nobody told
    DUPLICATE = "duplicate"
    NO_FIRE = "no-fire"


class EventType(StrEnum):
    """SendGrid Event Webhook event types, plus `unknown` so that nothing is ever dropped."""

    PROCESSED = "processed"
    DEFERRED = "deferred"
    DELIVERED = "delivered"
    OPEN = "open"
    CLICK = "click"
    BOUNCE = "bounce"
    DROPPED = "dropped"
    SPAMREPORT = "spamreport"
    UNSUBSCRIBE = "unsubscribe"
    GROUP_UNSUBSCRIBE = "group_unsubscribe"
    GROUP_RESUBSCRIBE = "group_resubscribe"
    UNKNOWN = "unknown"


class Variant(BaseModel):
    """One of the 10 letters of an edition: a region in a language."""

    model_config = ConfigDict(frozen=True)

    region: Region
    language: Language

    @property
    def key(self) -> str:
        return f"{self.region.value}-{self.language.value}"


class Recipient(BaseModel):
    """The per-recipient fields that stage 2 of rendering substitutes into a compiled variant."""

    model_config = ConfigDict(frozen=True)

    delivery_id: str
    email: str
    first_name: str
    last_name: str
    organisation: str
    role: Role
    # The job title as the roster wrote it; the footer shows it for Role.OTHER, where the
    # vocabulary's "other task" would tell the reader nothing about why they get the letter.
    title: str | None = None
    unsubscribe_url: str
    unsubscribe_mailto: str
    page_url: str  # the contact's own page (/p/...): details, language, successor


class CompiledVariant(BaseModel):
    """Stage 1 output: a variant compiled once, with placeholder tokens where recipient fields go
    (see `mailer.core.edition.render` for the token contract)."""

    model_config = ConfigDict(frozen=True)

    edition: str  # YYYY-MM
    variant: Variant
    subject: str
    preheader: str
    html: str
    text: str
    # role value -> the role's label in the variant's language, for the footer's "why you get
    # this letter" line (stage 2 substitutes the label, since the role is per recipient)
    role_labels: dict[str, str] = Field(default_factory=dict)


class OutgoingMessage(BaseModel):
    """A letter for one recipient: what a provider puts on the wire."""

    model_config = ConfigDict(frozen=True)

    delivery_id: str
    edition: str
    variant: Variant
    to_email: str
    to_name: str
    subject: str
    html: str
    text: str
    headers: dict[str, str] = Field(default_factory=dict)


class SendOutcome(BaseModel):
    """A provider's verdict on one recipient of a batch."""

    model_config = ConfigDict(frozen=True)

    delivery_id: str
    accepted: bool
    message_id: str | None = None
    error: str | None = None
    permanent: bool = False


class DeliveryEvent(BaseModel):
    """One delivery event in our words, whichever provider reported it; `raw` keeps the
    provider's payload as it came."""

    # the provider's id of this event (stored once by it), or a stable synthetic one
    provider_event_id: str
    event_type: EventType
    raw_type: str
    email: str | None = None
    occurred_at: datetime
    # the provider's id of the message; for SendGrid `<X-Message-Id of the request>.<suffix>`
    provider_message_id: str | None = None
    delivery_id: str | None = None
    edition: str | None = None
    reason: str | None = None
    status: str | None = None  # SMTP status, e.g. 5.1.1
    bounce_type: str | None = None  # "bounce" (hard) or "blocked" (soft)
    classification: str | None = None  # SendGrid bounce_classification
    raw: dict[str, Any] = Field(default_factory=dict)
