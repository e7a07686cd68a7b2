"""I/O-free: what one variant of an edition shows, ready for the templates (a "view").

Everything language- or region-specific is decided here, in Python, where it is tested:
which sections and events a region gets, dates in the variant's language (Babel), Markdown
rendered and sanitised for HTML and flattened for text, the UI strings of the variant's
catalogue. The templates only lay the view out. Markdown HTML is wrapped in `Markup` because it is
already sanitised by nh3; every other string is escaped by Jinja's autoescape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from markupsafe import Markup

from mailer.core.edition.catalogue import Catalogue
from mailer.core.edition.content import Edition, Event, LocalText, Section
from mailer.core.edition.dates import format_month, format_short_date, format_span
from mailer.core.edition.markup import markdown_to_html, markdown_to_text
from mailer.core.models import Language, Region, Variant
from mailer.core.regions import REGION_NAMES, REGION_SHORT_NAMES

__all__ = ["Block", "EventView", "SectionView", "all_variants", "archive_path", "build_view"]


@dataclass(frozen=True, slots=True)
class Block:
    """A Markdown text in one language: sanitised HTML and its plain-text twin."""

    html: Markup
    text: str


@dataclass(frozen=True, slots=True)
class LinkView:
    url: str
    label: str


@dataclass(frozen=True, slots=True)
class ImageView:
    src: str
    alt: str
    width: int


@dataclass(frozen=True, slots=True)
class SectionView:
    title: str
    body: Block
    link: LinkView | None
    image: ImageView | None


@dataclass(frozen=True, slots=True)
class EventView:
    title: str
    when: str
    day: str
    place: str | None
    online: bool
    registration: str
    scope: str
    description: Block | None


def _block(text: LocalText, language: Language) -> Block:
    source = text.get(language)
    return Block(html=Markup(markdown_to_html(source)), text=markdown_to_text(source))  # noqa: S704


def _section(section: Section, language: Language) -> SectionView:
    link = image = None
    if section.link is not None:
        link = LinkView(url=section.link.url, label=section.link.label.get(language))
    if section.image is not None:
        alt = section.image.alt.get(language)
        image = ImageView(src=section.image.src, alt=alt, width=section.image.width)
    return SectionView(
        title=section.title.get(language),
        body=_block(section.body, language),
        link=link,
        image=image,
    )


def _event(event: Event, language: Language, zone: tzinfo, national: str) -> EventView:
    scope = national
    if event.regions:
        scope = ", ".join(REGION_SHORT_NAMES[r][language] for r in event.regions)
    return EventView(
        title=event.title.get(language),
        when=format_span(event.start, event.end, language, zone),
        day=format_short_date(event.start.astimezone(zone).date(), language),
        place=event.place.get(language) if event.place is not None else None,
        online=event.online,
        registration=event.registration,
        scope=scope,
        description=_block(event.description, language) if event.description else None,
    )


def archive_path(month: str, variant: Variant) -> str:
    """The stable path of a sent letter in the public archive (no personal data in it)."""
    return f"/archive/{month}/{variant.region.value}/{variant.language.value}"


def build_view(
    edition: Edition,
    variant: Variant,
    catalogue: Catalogue,
    *,
    zone: tzinfo,
    sender_address: str,
    browser_url: str = "",
) -> dict[str, Any]:
    """The template context of one variant (recipient fields are added by
    `mailer.core.edition.render`). `browser_url` is the variant's page in the public archive,
    the letter's "read in the browser" link (the same for every recipient of the variant)."""
    language, region = variant.language, variant.region
    year, month = (int(part) for part in edition.month.split("-"))
    national_label = str(catalogue["events"]["national"])
    return {
        "lang": language.value,
        "t": catalogue,
        "month_label": format_month(date(year, month, 1), language),
        "region": {
            "key": region.value,
            "name": REGION_NAMES[region][language],
            "short": REGION_SHORT_NAMES[region][language],
        },
        "subject": edition.subject.get(language),
        "preheader": edition.preheader.get(language),
        "intro": _block(edition.intro, language),
        "national": [_section(s, language) for s in edition.national],
        "themes": [_section(s, language) for s in edition.themes],
        "regional": [_section(s, language) for s in edition.regional.get(region, [])],
        "events": [_event(e, language, zone, national_label) for e in edition.events_for(region)],
        "closing": _block(edition.closing, language),
        "sender_address": sender_address,
        "browser_url": browser_url,
    }


def all_variants() -> list[Variant]:
    """The 10 variants in a stable order: region by region, Finnish first."""
    return [Variant(region=r, language=lang) for r in Region for lang in Language]
