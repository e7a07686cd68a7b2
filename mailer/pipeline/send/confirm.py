"""What a `mailer send` is about to do, for the person who confirms it: the letters per variant
and whether a schedule would send the edition anyway (and when)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from mailer.core.errors import MailerError
from mailer.core.models import Language, Region
from mailer.pipeline.contacts import register_summary
from mailer.pipeline.context import Context
from mailer.pipeline.schedules.views import preview_schedules
from mailer.pipeline.send.deliver import send_edition

__all__ = ["SendPreview", "send_preview"]


class SendPreview(BaseModel):
    edition: str
    provider: str
    active_by_variant: dict[str, int] = Field(default_factory=dict)  # "hyks-fi" -> contacts
    to_send: int = 0  # letters this run would send (planned minus already accepted)
    already_accepted: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)
    scheduled_at: datetime | None = None  # in the schedule's zone (Helsinki)
    schedule: str | None = None


def _scheduled(ctx: Context, month: str) -> tuple[datetime | None, str | None]:
    """The next planned send of `month` from schedules/*.yaml, if a schedule covers it."""
    try:
        jobs = preview_schedules(ctx, now=ctx.now(), count=14)
    except (MailerError, OSError):
        return None, None  # no or broken schedules: `mailer schedule check` says why
    fires = [
        (fire.at, job.schedule)
        for job in jobs
        for fire in job.upcoming
        if fire.role == "send" and fire.edition == month
    ]
    return min(fires) if fires else (None, None)


def send_preview(
    ctx: Context, month: str, *, region: Region | None, language: Language | None
) -> SendPreview:
    """Counts from a dry run (it refuses an unapproved edition exactly as the send would)."""
    dry = send_edition(ctx, month, region=region, language=language, dry_run=True)
    variants = register_summary(ctx)["active_by_variant"]
    in_scope = {
        key: n
        for key, n in variants.items()
        if (region is None or key.startswith(f"{region.value}-"))
        and (language is None or key.endswith(f"-{language.value}"))
    }
    at, schedule = _scheduled(ctx, month)
    return SendPreview(
        edition=month,
        provider=dry.provider,
        active_by_variant=in_scope,
        to_send=max(dry.planned - dry.already_accepted, 0),
        already_accepted=dry.already_accepted,
        skipped=dict(dry.skipped),
        scheduled_at=at,
        schedule=schedule,
    )
