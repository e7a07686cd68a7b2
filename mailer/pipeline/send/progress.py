"""The send page's figures (issue 14): how many letters each variant would send, what the ledger
says a running or finished send has done, and the edition's report once letters went out.

Read-only: the plan is a dry run (no ledger row is written), the progress one grouped query."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from mailer.config import MissingFromRoster
from mailer.core.models import DeliveryState, Language, Region
from mailer.core.reports.models import EditionReport
from mailer.pipeline.context import Context
from mailer.pipeline.editions.check import EditionStatus, approval_status
from mailer.pipeline.reports import edition_report
from mailer.store import ledger_plan

__all__ = ["SendOverview", "VariantProgress", "send_overview"]


class VariantProgress(NamedTuple):
    key: str  # "hyks-fi"
    region: Region
    language: Language
    recipients: int  # ledger rows plus the rows a send would add now
    new: int  # contacts a send would add to the ledger now
    queued: int
    sending: int
    accepted: int
    failed: int

    @property
    def to_send(self) -> int:
        """Letters a send now would try: new, queued and failed (retried) rows."""
        return self.new + self.queued + self.failed


class SendOverview(NamedTuple):
    status: EditionStatus
    variants: list[VariantProgress]
    total: VariantProgress
    report: EditionReport | None  # once the ledger has rows


def _total(rows: list[VariantProgress]) -> VariantProgress:
    return VariantProgress(
        "",
        Region.HYKS,
        Language.FI,
        *(sum(getattr(r, f) for r in rows) for f in VariantProgress._fields[3:]),
    )


def send_overview(ctx: Context, month: str, *, plan: bool = True) -> SendOverview:
    """The edition's state, per variant the plan and the ledger's states, and the report.
    `plan=False` leaves out the dry-run plan (a sent edition plans nobody new anyway)."""
    status = approval_status(ctx, month)
    new: Counter[str] = Counter()
    pause = ctx.settings.missing_from_roster is MissingFromRoster.PAUSE
    with ctx.engine.connect() as conn:
        if plan and status.exists and status.state != "sent":
            # the dry run's per-variant counts, counted by the database (not row by row)
            counted = ledger_plan.new_per_variant(conn, month, pause_missing=pause)
            new.update({f"{r}-{lang}": n for (r, lang), n in counted.items()})
        states = ledger_plan.variant_states(conn, month)
    rows = []
    for region in Region:
        for language in Language:
            key = f"{region.value}-{language.value}"
            got = states.get((region.value, language.value), {})
            rows.append(
                VariantProgress(
                    key,
                    region,
                    language,
                    recipients=sum(got.values()) + new[key],
                    new=new[key],
                    queued=got.get(DeliveryState.QUEUED, 0),
                    sending=got.get(DeliveryState.SENDING, 0),
                    accepted=got.get(DeliveryState.ACCEPTED, 0),
                    failed=got.get(DeliveryState.FAILED, 0),
                )
            )
    report = edition_report(ctx, month) if states else None
    return SendOverview(status, rows, _total(rows), report)
