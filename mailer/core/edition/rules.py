"""PURE: the editorial rules `edition check` applies beyond the content model.

A coordinator usually starts a month by copying last month's file. These rules catch what such a
copy carries over and what a reader would see wrongly: events that are over before the letter goes
out, a subject or preheader that names another month, template syntax and raw HTML that reach the
reader as literal text, a Markdown image that turns into "!kuva". They are `OVERRIDABLE`: a
coordinator who knows better may approve anyway with a recorded reason. A subject longer than
inboxes show is a `WARNING` only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime, tzinfo
from typing import Any, NamedTuple

from mailer.core.edition.codes import CheckCode
from mailer.core.edition.content import (
    ALL,
    ContentProblem,
    Edition,
    Finding,
    Severity,
    field_name,
    placement,
)
from mailer.core.models import Region, Variant
from mailer.core.yaml_lines import Path, line_of

__all__ = [
    "MAX_SUBJECT_CHARS",
    "PlannedSend",
    "event_problems",
    "month_named",
    "rule_problems",
    "text_findings",
    "text_problems",
]

# Most inboxes show about 60 characters of a subject on a desktop, fewer on a phone.
MAX_SUBJECT_CHARS = 60

_FI_STEMS = (
    "tammi",
    "helmi",
    "maalis",
    "huhti",
    "touko",
    "kesä",
    "heinä",
    "elo",
    "syys",
    "loka",
    "marras",
    "joulu",
)
_SV_NAMES = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
_EN_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Finnish: the month word in every case, singular (kuu, kuun, kuuta, kuussa, …) and plural
# (kuiden, kuissa, …), with an optional clitic (marraskuussakin).
_FI_ENDING = (
    r"ku(?:u(?:n|ta|ssa|sta|hun|lla|lta|lle|ksi|na|t)?"
    r"|i(?:den|tten|ta|ssa|sta|hin|lla|lta|lle|ksi|na))"
    r"(?:kin|kaan|kään|han|hän)?"
)
# Swedish: the long names also start compounds (novemberbrevet, decembermötet); the short ones
# only count alone or in the genitive, since "mars", "maj" and "juli" begin other words too.
_SHORT_SV = {"mars", "april", "maj", "juni", "juli"}


def _month_pattern(month: int) -> str:
    fi = _FI_STEMS[month - 1] + _FI_ENDING
    sv = _SV_NAMES[month - 1]
    sv = sv + "s?" if sv in _SHORT_SV else sv + r"\w*"
    return rf"(?P<m{month}>{fi}|{sv})"


_MONTHS = re.compile(
    r"(?<!\w)(?:" + "|".join(_month_pattern(m) for m in range(1, 13)) + r")(?!\w)",
    re.IGNORECASE,
)


def month_named(text: str) -> Iterator[tuple[int, str]]:
    """(month number, the word as written) for every Finnish or Swedish month name in `text`."""
    for match in _MONTHS.finditer(text):
        group = match.lastgroup
        assert group is not None
        yield int(group[1:]), match.group(0)


_TEMPLATE = re.compile(r"\{\{|\{%|\{#|\}\}|%\}")
_HTML = re.compile(r"<!--|</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")


def text_findings(text: str) -> list[Finding]:
    """What a reader would see wrongly in one text (Markdown allowed)."""
    found = []
    for match in _TEMPLATE.finditer(text):
        found.append(
            Finding(
                f'template syntax "{match.group(0)}" would be shown to readers as it is: remove '
                "it (the letter's own fields are filled in by the templates)",
                CheckCode.TEMPLATE_SYNTAX,
                {"token": match.group(0)},
            )
        )
        break
    tags = list(dict.fromkeys(match.group(0) for match in _HTML.finditer(text)))
    if tags:
        shown = ", ".join(f'"{_shorten(tag)}"' for tag in tags[:3]) + (
            ", …" if len(tags) > 3 else ""
        )
        found.append(
            Finding(
                f"raw HTML {shown} would be shown to readers as text: write Markdown instead "
                "(**bold**, *italics*, [link text](https://…))",
                CheckCode.RAW_HTML,
                {"tags": shown},
            )
        )
    for match in _IMAGE.finditer(text):
        image, shown = _shorten(match.group(0)), "!" + match.group(1)
        found.append(
            Finding(
                f'a Markdown image "{image}" would be shown as "{shown}": put the picture in '
                "the section's `image:` field (with its alt texts)",
                CheckCode.MARKDOWN_IMAGE,
                {"image": image, "shown": shown},
            )
        )
    return found


def text_problems(text: str) -> list[str]:
    """The English messages of `text_findings`."""
    return [found.message for found in text_findings(text)]


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _texts(data: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """Every text in both languages (`fi:` / `sv:` strings) with its path."""
    if isinstance(data, dict):
        for key, value in data.items():
            here = (*path, key)
            if key in ("fi", "sv") and isinstance(value, str):
                yield here, value
            else:
                yield from _texts(value, here)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _texts(value, (*path, index))


def _month_problems(path: Path, text: str, month: int, edition: str) -> list[Finding]:
    if path[0] not in ("subject", "preheader"):
        return []
    others = [(n, word) for n, word in month_named(text) if n != month]
    return [
        Finding(
            f'names "{word}" ({_EN_NAMES[n - 1]}), but this is the {_EN_NAMES[month - 1]} '
            "edition (copied from another month?)",
            CheckCode.OTHER_MONTH,
            {"word": word, "edition": edition},
        )
        for n, word in others
    ]


def _subject_warning(path: Path, text: str) -> list[Finding]:
    if path[0] != "subject" or len(text.strip()) <= MAX_SUBJECT_CHARS:
        return []
    length = len(text.strip())
    return [
        Finding(
            f"the subject is {length} characters; inboxes show about {MAX_SUBJECT_CHARS}, so "
            "put what matters first or shorten it",
            CheckCode.LONG_SUBJECT,
            {"length": str(length), "shown": str(MAX_SUBJECT_CHARS)},
        )
    ]


class _Source(NamedTuple):
    file: str
    lines: dict[Path, int]
    data: Any


def _problem(source: _Source, path: Path, found: Finding, severity: Severity) -> ContentProblem:
    region, language = placement(path, source.data)
    return ContentProblem(
        file=source.file,
        line=line_of(source.lines, path),
        field=field_name(path),
        region=region,
        language=language,
        message=found.message,
        code=found.code,
        params=found.params,
        severity=severity,
    )


def rule_problems(
    data: Any, lines: dict[Path, int], file: str, *, month: str
) -> list[ContentProblem]:
    """The text rules over the raw data of a letter file (it need not be valid otherwise)."""
    number = int(month[5:7]) if re.fullmatch(r"\d{4}-\d\d", month) else 0
    source = _Source(file, lines, data)
    problems = []
    for path, text in _texts(data):
        for found in text_findings(text) + _month_problems(path, text, number, month):
            problems.append(_problem(source, path, found, Severity.OVERRIDABLE))
        for found in _subject_warning(path, text):
            problems.append(_problem(source, path, found, Severity.WARNING))
    return problems


class PlannedSend(NamedTuple):
    """When a variant of the edition is planned to go out, and what says so."""

    at: datetime
    source: str  # e.g. "schedule monthly"


def _late(
    end: datetime, regions: list[Region], planned: Mapping[Variant, PlannedSend]
) -> list[tuple[Variant, PlannedSend]]:
    return sorted(
        (
            (variant, send)
            for variant, send in planned.items()
            if variant.region in regions and end < send.at
        ),
        key=lambda item: (item[1].at, item[0].key),
    )


def event_problems(
    edition: Edition,
    lines: dict[Path, int],
    file: str,
    *,
    planned: Mapping[Variant, PlannedSend],
    zone: tzinfo,
) -> list[ContentProblem]:
    """Events that are over before a letter that shows them goes out."""
    problems = []
    for index, event in enumerate(edition.events):
        end = event.end or event.start
        regions = list(event.regions) or list(Region)
        late = _late(end, regions, planned)
        if not late:
            continue
        variant, send = late[0]
        languages = {v.language for v, _ in late}
        path: Path = ("events", index, "end" if event.end is not None else "start")
        params = {
            "end": f"{end.astimezone(zone):%Y-%m-%d %H:%M}",
            "variant": variant.key,
            "send": f"{send.at.astimezone(zone):%Y-%m-%d %H:%M}",
            "source": send.source,
        }
        message = (
            "the event is over on {end}, before the letter goes out ({variant} on {send}, "
            "{source}): remove it or correct its date"
        ).format(**params)
        problems.append(
            ContentProblem(
                file=file,
                line=line_of(lines, path),
                field=field_name(path),
                region=",".join(r.value for r in event.regions) or ALL,
                language=languages.pop().value if len(languages) == 1 else ALL,
                message=message,
                severity=Severity.OVERRIDABLE,
                code=CheckCode.EVENT_OVER,
                params=params,
            )
        )
    return problems
