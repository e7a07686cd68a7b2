"""Edition previews: every variant personalised with a made-up contact, side by side."""

from __future__ import annotations

import errno
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

import jinja2

from mailer.config import Settings
from mailer.core.edition.render import personalise
from mailer.core.errors import ContentError
from mailer.core.models import (
    CompiledVariant,
    Language,
    OutgoingMessage,
    Recipient,
    Region,
    Role,
    Variant,
)
from mailer.core.tokens import make_page_token, make_unsubscribe_token
from mailer.pipeline.context import Context
from mailer.pipeline.editions.check import compile_edition
from mailer.store.samples import SampleContact

__all__ = ["PreviewLanguage", "sample_recipient", "sender_line", "write_preview"]


_SAMPLE_ORGANISATIONS = {
    Region.HYKS: ("Espoon kaupunki", "Esbo stad", "espoo"),
    Region.KYS: ("Kuopion kaupunki", "Kuopio stad", "kuopio"),
    Region.TAYS: ("Tampereen kaupunki", "Tammerfors stad", "tampere"),
    Region.TYKS: ("Turun kaupunki", "Åbo stad", "turku"),
    Region.OYS: ("Oulun kaupunki", "Uleåborg stad", "oulu"),
}


def sample_recipient(
    settings: Settings, variant: Variant, contact: SampleContact | None = None
) -> Recipient:
    """A made-up contact for previews (names and addresses under the reserved .example TLD),
    or a real `contact`'s names, organisation and role with the made-up address and link."""
    org_fi, org_sv, domain = _SAMPLE_ORGANISATIONS[variant.region]
    first, last = ("Aino", "Mäkinen") if variant.language is Language.FI else ("Ebba", "Lindqvist")
    # a key no contact has (real keys are 22 random characters): the link shows the 404 page, so
    # a click in a preview of a real contact's letter never unsubscribes them
    secret = settings.secret_key.get_secret_value()
    token = make_unsubscribe_token(secret, "preview")
    organisation = org_fi if variant.language is Language.FI else org_sv
    role: str = Role.SUPPORT
    email = f"{first}.{last}@{domain}.example".lower().replace("ä", "a")
    if contact is not None:
        first, last = contact.first_name, contact.last_name
        organisation, role = contact.organisation, contact.role
    return Recipient(
        delivery_id=f"preview-{variant.key}",
        email=email,
        first_name=first,
        last_name=last,
        organisation=organisation,
        role=role,
        unsubscribe_url=f"{settings.public_url}/u/{token}",
        unsubscribe_mailto=f"mailto:{settings.unsubscribe_mailto}?subject=unsubscribe-{token}",
        page_url=f"{settings.public_url}/p/{make_page_token(secret, 'preview')}",
    )


class PreviewLanguage(StrEnum):
    """The language of the preview index (the coordinator's, not the letters')."""

    FI = "fi"
    SV = "sv"
    EN = "en"


# The index's own words; the letters keep their catalogues under templates/i18n.
_WORDS: dict[PreviewLanguage, dict[str, str]] = {
    PreviewLanguage.FI: {
        "title": "Kirjeen {month} esikatselu",
        "intro": "Kaikki {count} versiota esimerkkivastaanottajalle. Aihe, esiteksti ja "
        "lähettäjä näkyvät saapuneissa viesteissä ennen kirjeen avaamista.",
        "subject": "Aihe",
        "preheader": "Esiteksti",
        "sender": "Lähettäjä",
        "open_html": "Avaa HTML",
        "open_text": "Avaa tekstiversio",
        "frame": "Kirje {variant}",
        "fi": "suomi",
        "sv": "ruotsi",
    },
    PreviewLanguage.SV: {
        "title": "Förhandsvisning av brevet {month}",
        "intro": "Alla {count} versioner för en exempelmottagare. Ämne, förhandstext och "
        "avsändare syns i inkorgen innan brevet öppnas.",
        "subject": "Ämne",
        "preheader": "Förhandstext",
        "sender": "Avsändare",
        "open_html": "Öppna HTML",
        "open_text": "Öppna textversionen",
        "frame": "Brevet {variant}",
        "fi": "finska",
        "sv": "svenska",
    },
    PreviewLanguage.EN: {
        "title": "Preview of the {month} edition",
        "intro": "All {count} variants for a sample recipient. Subject, preheader and sender "
        "are what an inbox shows before the letter is opened.",
        "subject": "Subject",
        "preheader": "Preheader",
        "sender": "From",
        "open_html": "Open HTML",
        "open_text": "Open the text version",
        "frame": "Letter {variant}",
        "fi": "Finnish",
        "sv": "Swedish",
    },
}


class _Card(NamedTuple):
    key: str
    region: str
    language: str
    subject: str
    preheader: str
    sender: str


def sender_line(settings: Settings, language: Language) -> str:
    """The From of letters in `language` as a person reads it (formataddr would RFC 2047-encode
    a name with ä)."""
    return f"{settings.from_name_for(language)} <{settings.from_email}>"


def _card(settings: Settings, compiled: CompiledVariant, words: dict[str, str]) -> _Card:
    variant = compiled.variant
    sender = sender_line(settings, variant.language)
    return _Card(
        key=variant.key,
        region=variant.region.value.upper(),
        language=words[variant.language.value],
        subject=compiled.subject,
        preheader=compiled.preheader,
        sender=sender,
    )


def _index_html(
    settings: Settings, month: str, compiled: list[CompiledVariant], lang: PreviewLanguage
) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(settings.templates_dir / "preview"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    words = _WORDS[lang]
    cards = [_card(settings, c, words) for c in compiled]
    return env.get_template("index.html.j2").render(
        lang=lang.value, month=month, w=words, variants=cards
    )


def write_preview(
    ctx: Context,
    month: str,
    out: Path | None = None,
    *,
    lang: PreviewLanguage = PreviewLanguage.FI,
) -> Path:
    """Every variant as HTML and text, personalised with a sample contact, plus an index.html
    in the coordinator's language `lang` that shows them with subject, preheader and From.
    Returns the index's path."""
    compiled = compile_edition(ctx, month)
    folder = out if out is not None else ctx.settings.var_dir / "preview" / month
    messages = [
        personalise(letter, sample_recipient(ctx.settings, variant))
        for variant, letter in compiled.items()
    ]
    files = {f"{m.variant.key}.{kind}": text for m in messages for kind, text in _texts(m)}
    files["index.html"] = _index_html(ctx.settings, month, list(compiled.values()), lang)
    try:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
    except OSError as err:
        # a file, /proc/self, a read-only place: say where and why, never a traceback
        raise ContentError(
            str(folder), None, "--out", f"cannot write the preview there: {err.strerror or err}"
        ) from err
    return folder / "index.html"


def _texts(message: OutgoingMessage) -> tuple[tuple[str, str], tuple[str, str]]:
    return ("html", message.html), ("txt", message.text)
