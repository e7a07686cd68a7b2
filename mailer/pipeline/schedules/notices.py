"""Short plain bilingual (fi + sv) notices to coordinators: what is missing, what happens next.

Sent one message per address through the configured provider's `send_message` (outside the
ledger); a provider failure is logged and counted, never allowed to hide the run's outcome.
"""

from __future__ import annotations

import html
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from mailer.core.errors import MailerError
from mailer.core.models import Language, OutgoingMessage, Region, Variant
from mailer.pipeline.context import Context
from mailer.providers.base import Provider

__all__ = ["NoticeReason", "compose_notice", "notify_coordinators"]

log = logging.getLogger("mailer.schedules")


@dataclass(frozen=True)
class NoticeReason:
    """Why coordinators get a notice (why a scheduled send did not go out as planned)."""

    code: str  # missing / not-approved / changed / late / failed / missed
    detail: str


REASONS = {
    "missing": (
        "Numeron sisältö puuttuu tietokannasta (mailer edition import letters/{edition}.yaml).",
        "Numrets innehåll saknas i databasen (mailer edition import letters/{edition}.yaml).",
    ),
    "not-approved": ("Numeroa ei ole hyväksytty.", "Numret är inte godkänt."),
    "changed": (
        "Numeroa on muutettu hyväksynnän jälkeen, joten se on hyväksyttävä uudelleen.",
        "Numret har ändrats efter godkännandet och måste godkännas på nytt.",
    ),
    "late": (
        "Numero hyväksyttiin vasta määräajan jälkeen.",
        "Numret godkändes först efter tidsfristen.",
    ),
    "failed": ("Lähetys keskeytyi virheeseen.", "Utskicket avbröts av ett fel."),
    "missed": (
        "Ajastin ei ollut käynnissä suunniteltuna aikana.",
        "Schemaläggaren var inte igång vid den planerade tidpunkten.",
    ),
}

HEADLINES = {
    "reminder": (
        "Muistutus: VIPU-kuukausikirje {edition} lähtee {planned_fi}.",
        "Påminnelse: VIPU-månadsbrevet {edition} skickas {planned_sv}.",
    ),
    "planned": (
        "VIPU-kuukausikirjettä {edition} ei lähetetty ({planned_fi}).",
        "VIPU-månadsbrevet {edition} skickades inte ({planned_sv}).",
    ),
    "deadline": (
        "VIPU-kuukausikirjeen {edition} määräaika umpeutui ({deadline_fi}).",
        "Tidsfristen för VIPU-månadsbrevet {edition} har gått ut ({deadline_sv}).",
    ),
    "failed": (
        "VIPU-kuukausikirjeen {edition} ajastettu lähetys epäonnistui.",
        "Det schemalagda utskicket av VIPU-månadsbrevet {edition} misslyckades.",
    ),
    "missed": (
        "VIPU-kuukausikirjeen {edition} ajastettu ajo jäi väliin.",
        "En schemalagd körning för VIPU-månadsbrevet {edition} missades.",
    ),
}

NEXT_STEPS = {
    "reminder": (
        "Hyväksy numero ennen lähetysaikaa, muuten kirje ei lähde.",
        "Godkänn numret före utskickstiden, annars skickas brevet inte.",
    ),
    "planned": (
        "Kirje lähtee automaattisesti, kun numero on hyväksytty, viimeistään {deadline_fi}.",
        "Brevet skickas automatiskt när numret är godkänt, senast {deadline_sv}.",
    ),
    "deadline": (
        "Kirje ei enää lähde automaattisesti: koordinaattori päättää lähetyksestä "
        "(mailer send {edition}).",
        "Brevet skickas inte längre automatiskt: koordinatorn beslutar om utskicket "
        "(mailer send {edition}).",
    ),
    "failed": (
        "Tarkista virhe ja jatka lähetystä: mailer send {edition} (ketään ei lähetetä kahdesti).",
        "Kontrollera felet och fortsätt: mailer send {edition} (ingen får brevet två gånger).",
    ),
    "missed": (
        "Kirje lähtee seuraavalla yrityksellä, jos numero on hyväksytty, tai käsin: "
        "mailer send {edition}.",
        "Brevet skickas vid nästa försök om numret är godkänt, eller för hand: "
        "mailer send {edition}.",
    ),
}


def _when(moment: datetime | None, zone: ZoneInfo, word: str) -> str:
    if moment is None:
        return "-"
    local = moment.astimezone(zone)
    return f"{local.day}.{local.month}.{local.year} {word} {local.hour}.{local.minute:02d}"


def compose_notice(
    *,
    kind: str,
    edition: str,
    schedule: str,
    targets: list[str],
    problem: NoticeReason,
    zone: ZoneInfo,
    planned: datetime | None = None,
    deadline: datetime | None = None,
) -> tuple[str, str]:
    """(subject, plain text) of a notice: Finnish first, then Swedish, then the technical detail."""
    values = {
        "edition": edition,
        "planned_fi": _when(planned, zone, "klo"),
        "planned_sv": _when(planned, zone, "kl."),
        "deadline_fi": _when(deadline, zone, "klo"),
        "deadline_sv": _when(deadline, zone, "kl."),
    }
    head_fi, head_sv = (s.format(**values) for s in HEADLINES[kind])
    reason_fi, reason_sv = (s.format(**values) for s in REASONS.get(problem.code, ("", "")))
    next_fi, next_sv = (s.format(**values) for s in NEXT_STEPS[kind])
    text = "\n".join(
        [
            head_fi,
            reason_fi,
            next_fi,
            "",
            head_sv,
            reason_sv,
            next_sv,
            "",
            "--",
            f"schedule: {schedule}  targets: {', '.join(targets)}",
            f"detail: {problem.detail}",
        ]
    )
    return f"[VIPU {edition}] {head_fi} / {head_sv}", text + "\n"


def notify_coordinators(
    ctx: Context,
    provider: Provider | None,
    *,
    kind: str,
    edition: str,
    schedule: str,
    targets: list[str],
    problem: NoticeReason,
    planned: datetime | None = None,
    deadline: datetime | None = None,
) -> int:
    """Mail the notice to every `settings.coordinator_emails` address; returns how many were
    accepted. With no coordinators configured the notice is only logged (and said so)."""
    subject, text = compose_notice(
        kind=kind,
        edition=edition,
        schedule=schedule,
        targets=targets,
        problem=problem,
        zone=ctx.zone,
        planned=planned,
        deadline=deadline,
    )
    recipients = ctx.settings.coordinator_emails
    if not recipients:
        log.warning("no MAILER_COORDINATOR_EMAILS configured; notice not mailed: %s", subject)
        return 0
    own = provider is None
    if provider is None:
        from mailer.providers import make_provider

        provider = make_provider(ctx.settings)
    accepted = 0
    body_html = f'<pre style="font-family:sans-serif">{html.escape(text)}</pre>'
    try:
        for address in recipients:
            message = OutgoingMessage(
                delivery_id=f"notice-{uuid.uuid4()}",
                edition=edition,
                # A notice is no variant of the letter; the field is required, so it names the
                # Finnish Helsinki variant as a neutral stand-in.
                variant=Variant(region=Region.HYKS, language=Language.FI),
                to_email=address,
                to_name="",
                subject=subject,
                html=body_html,
                text=text,
                headers={"Auto-Submitted": "auto-generated"},  # RFC 3834: no auto-replies back
            )
            try:
                outcome = provider.send_message(message)
            except MailerError as err:
                log.error("notice to %s failed: %s", address, err)
                continue
            if outcome.accepted:
                accepted += 1
            else:
                log.error("notice to %s refused: %s", address, outcome.error)
    finally:
        if own:
            provider.close()
    return accepted
