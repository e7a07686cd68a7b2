"""The public archive: every sent edition readable on the web, without anyone's personal data.

An edition is in the archive once its ledger has an accepted delivery: the first send run that
reached anyone records the revision it sent (`editions.sent_revision`, never changed later) and
keeps the stage-1 HTML it compiled (`archived_letters`; no personal data in it, only tokens). The
archive shows that copy, so neither a newer revision nor a template change alters a sent letter;
editions sent before the copies existed are rendered from their sent revision.
All 10 variants (5 regions x fi/sv) are listed from then on, also those a scoped send has not
reached yet: they are the same approved revision.

A letter is that stage-1 HTML with the stage-2 recipient tokens filled with neutral
values from the archive catalogue (templates/web/archive/i18n/): a greeting to "the VIPU contact",
no name, no organisation, and the unsubscribe link taken out altogether.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from html import escape
from pathlib import Path
from typing import NamedTuple

import yaml
from babel.dates import format_date

from mailer.core.edition.content import parse_edition
from mailer.core.edition.letter import archive_path
from mailer.core.edition.render import RECIPIENT_FIELDS
from mailer.core.models import CompiledVariant, Language, Region, Variant
from mailer.core.regions import REGION_NAMES
from mailer.pipeline.context import Context
from mailer.pipeline.editions.check import compile_one
from mailer.pipeline.editions.source import latest_text, revision_label
from mailer.store import archive as copies
from mailer.store import editions as store
from mailer.store.archive import ArchivedCopy

__all__ = [
    "ArchiveEdition",
    "ArchiveLetter",
    "UiLanguage",
    "archive_page",
    "archive_strings",
    "atom_feed",
    "letter_html",
    "letter_path",
    "public_copy",
    "record_sent",
    "sent_editions",
]

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Every link whose address is a recipient token (the unsubscribe link today, any personal link a
# template adds later) goes, with the " · " that joins it to a neighbour: the one after it, or
# else the one before it. A public copy must not offer anyone's personal link.
_LINK = r'<a\b[^>]*href="%%h:[a-z_]+%%"[^>]*>.*?</a>'
_DOT = r"\s*(?:·|&middot;|&#183;)\s*"
_PERSONAL_LINK = re.compile(rf"{_LINK}{_DOT}|{_DOT}{_LINK}|{_LINK}", re.DOTALL)
_ANY_TOKEN = re.compile(r"%%[ht]:[a-z_]+%%")


class UiLanguage(StrEnum):
    """The archive pages' own language (the letters themselves are fi or sv)."""

    FI = "fi"
    SV = "sv"
    EN = "en"


class ArchiveLetter(NamedTuple):
    region: Region
    language: Language
    subject: str
    path: str  # the stable URL path, /archive/2026-11/hyks/fi


class ArchiveEdition(NamedTuple):
    month: str
    revision: int
    published_at: datetime
    letters: list[ArchiveLetter]


def letter_path(month: str, region: Region, language: Language) -> str:
    return archive_path(month, Variant(region=region, language=language))


@cache
def _catalogue(templates_dir: Path, language: str) -> dict[str, str]:
    path = templates_dir / "web" / "archive" / "i18n" / f"{language}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def archive_strings(ctx: Context, language: UiLanguage) -> dict[str, str]:
    return _catalogue(ctx.settings.templates_dir.resolve(), language.value)


def month_label(month: str, language: UiLanguage) -> str:
    year, number = (int(part) for part in month.split("-"))
    return format_date(date(year, number, 1), "LLLL yyyy", locale=language.value)


def _letters(ctx: Context, month: str, revision: int) -> list[ArchiveLetter]:
    stored = latest_text(ctx, month, revision)
    if stored is None:  # a revision is never deleted; guard against a hand-edited database
        return []
    edition = parse_edition(stored.text, revision_label(stored), zone=ctx.zone, month=month)
    return [
        ArchiveLetter(region, language, edition.subject.get(language), path)
        for region in Region
        for language in Language
        for path in (letter_path(month, region, language),)
    ]


def sent_editions(ctx: Context) -> list[ArchiveEdition]:
    """Every edition in the archive, newest first, with its 10 letters."""
    with ctx.engine.connect() as conn:
        sent = store.sent_editions(conn)
    return [
        ArchiveEdition(s.month, s.revision, s.published_at, _letters(ctx, s.month, s.revision))
        for s in sent
    ]


def _sent_revision(ctx: Context, month: str) -> int | None:
    with ctx.engine.connect() as conn:
        found = [s.revision for s in store.sent_editions(conn) if s.month == month]
    return found[0] if found else None


def _neutral_values(ctx: Context, language: Language) -> dict[str, str]:
    strings = archive_strings(ctx, UiLanguage(language.value))
    values = dict.fromkeys(RECIPIENT_FIELDS, "")
    values["first_name"] = strings["neutral_name"]
    values["role"] = strings["neutral_role"]
    values["organisation"] = strings["neutral_organisation"]
    return values


def letter_html(ctx: Context, month: str, region: Region, language: Language) -> str | None:
    """The sent revision's letter as a public HTML document; None when the month is not in the
    archive."""
    revision = _sent_revision(ctx, month)
    if revision is None:
        return None
    with ctx.engine.connect() as conn:
        html = copies.archived_html(conn, month, region.value, language.value)
    if html is None:  # sent before copies were kept: render the sent revision
        variant = Variant(region=region, language=language)
        html = compile_one(ctx, month, revision, variant).html
    return public_copy(
        html, _neutral_values(ctx, language), browser_path=letter_path(month, region, language)
    )


def record_sent(
    ctx: Context, month: str, revision: int | None, compiled: Mapping[Variant, CompiledVariant]
) -> None:
    """After a send run: if it was the first to reach anyone, record its revision and keep its
    compiled variants as the archive's copies (later runs change neither)."""
    if revision is None:  # approved before revisions existed: nothing to pin
        return
    with ctx.engine.begin() as conn:
        if store.record_sent_revision(conn, month, revision):
            kept = (
                ArchivedCopy(v.region.value, v.language.value, c.html) for v, c in compiled.items()
            )
            copies.store_copies(conn, month, revision, kept, ctx.now())


def public_copy(html: str, values: dict[str, str], browser_path: str | None = None) -> str:
    """A compiled letter without personal links, its other recipient tokens filled with `values`
    (a field not in it becomes empty). With `browser_path`, the letter's "read in the browser"
    link to that page goes too: the reader is already there."""
    html = _PERSONAL_LINK.sub("", html)
    if browser_path is not None:
        link = rf'<a\b[^>]*href="[^"]*{re.escape(browser_path)}"[^>]*>.*?</a>'
        html = re.sub(rf"{_DOT}{link}|{link}{_DOT}|{link}", "", html, flags=re.DOTALL)
    # The neutral values are our own catalogue's plain words; escaped all the same.
    return _ANY_TOKEN.sub(lambda m: escape(values.get(m.group(0)[4:-2], ""), quote=True), html)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    element.text = text
    return element


def _stamp(value: datetime | None) -> str:
    # An empty feed still needs its <updated>: the epoch says "nothing yet".
    return value.isoformat(timespec="seconds") if value else "1970-01-01T00:00:00+00:00"


def _entry(feed: ET.Element, base: str, edition: ArchiveEdition, letter: ArchiveLetter) -> None:
    entry = _add(feed, "entry")
    url = base + letter.path
    _add(entry, "id", url)  # the stable URL is the entry's permanent identity
    _add(entry, "title", f"{letter.subject} – {REGION_NAMES[letter.region][letter.language]}")
    _add(entry, "updated", _stamp(edition.published_at))
    _add(entry, "link", rel="alternate", type="text/html", href=url)


def atom_feed(ctx: Context, language: Language) -> str:
    """An Atom feed (RFC 4287) of the archive's letters in `language`: one entry per sent edition
    and region, at its stable URL."""
    base = ctx.settings.public_url.rstrip("/")
    strings = archive_strings(ctx, UiLanguage(language.value))
    editions = sent_editions(ctx)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: language.value})
    self_url = f"{base}/archive/{language.value}.atom"
    _add(feed, "id", self_url)
    _add(feed, "title", strings["feed_title"])
    _add(feed, "updated", _stamp(max((e.published_at for e in editions), default=None)))
    _add(_add(feed, "author"), "name", strings["network"])
    _add(feed, "link", rel="self", href=self_url)
    _add(feed, "link", rel="alternate", href=f"{base}/archive/?lang={language.value}")
    for edition in editions:
        for letter in edition.letters:
            if letter.language is language:
                _entry(feed, base, edition, letter)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True)


class PageRow(NamedTuple):
    region: str
    letters: list[ArchiveLetter]


class PageEdition(NamedTuple):
    month: str
    label: str
    published_at: datetime
    rows: list[PageRow]


def archive_page(ctx: Context, language: UiLanguage) -> list[PageEdition]:
    """The listing as /archive/ shows it in `language`: editions, then regions, then letters."""
    names = Language.SV if language is UiLanguage.SV else Language.FI  # regions have fi/sv names
    pages = []
    for edition in sent_editions(ctx):
        rows = [
            PageRow(
                REGION_NAMES[region][names],
                [letter for letter in edition.letters if letter.region is region],
            )
            for region in Region
        ]
        label = month_label(edition.month, language)
        pages.append(PageEdition(edition.month, label, edition.published_at, rows))
    return pages
