"""Composing the appointment letters (templates/appointments/*.txt.j2) into messages."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

from mailer.config import Settings
from mailer.core.appointments.letters import letter_html, plain_text
from mailer.core.models import Language, OutgoingMessage, Region, Variant

__all__ = ["confirm_message", "request_message"]

REQUEST_SUBJECT = "VIPU-yhdyshenkilön nimeäminen / Utnämning av VIPU-kontaktperson"
CONFIRM_SUBJECTS = {
    Language.FI: "Vahvista VIPU-yhdyshenkilön tehtävä",
    Language.SV: "Bekräfta uppdraget som VIPU-kontaktperson",
}


@cache
def _environment(folder: Path) -> jinja2.Environment:
    # Text templates: no HTML escaping here; the HTML part escapes every line it builds.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 (plain text; letter_html escapes)
        keep_trailing_newline=True,
    )


def _render(settings: Settings, template: str, **values: object) -> str:
    folder = (settings.templates_dir / "appointments").resolve()
    return _environment(folder).get_template(template).render(**values)


def _day(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.day}.{local.month}.{local.year}"


def request_message(
    settings: Settings,
    *,
    request_id: str,
    round_: str,
    region: Region,
    organisation: str,
    email: str,
    link: str,
    until: datetime,
    zone: ZoneInfo,
) -> OutgoingMessage:
    day = _day(until, zone)
    text = _render(
        settings,
        "request.txt.j2",
        organisation=organisation,
        link=link,
        until_fi=day,
        until_sv=day,
    )
    return OutgoingMessage(
        delivery_id=request_id,
        edition=round_,
        # bilingual, Finnish first: the variant names the organisation's region and Finnish
        variant=Variant(region=region, language=Language.FI),
        to_email=email,
        to_name=organisation,
        subject=REQUEST_SUBJECT,
        html=letter_html(text, language="fi", title=REQUEST_SUBJECT),
        text=plain_text(text),
    )


def confirm_message(
    settings: Settings,
    *,
    delivery_id: str,
    round_: str,
    region: Region,
    language: Language,
    name: str,
    organisation: str,
    email: str,
    link: str,
    until: datetime,
    zone: ZoneInfo,
) -> OutgoingMessage:
    text = _render(
        settings,
        "confirm.txt.j2",
        language=language.value,
        name=name,
        organisation=organisation,
        link=link,
        until=_day(until, zone),
    )
    subject = CONFIRM_SUBJECTS[language]
    return OutgoingMessage(
        delivery_id=delivery_id,
        edition=round_,
        variant=Variant(region=region, language=language),
        to_email=email,
        to_name=name,
        subject=subject,
        html=letter_html(text, language=language.value, title=subject),
        text=plain_text(text),
    )
