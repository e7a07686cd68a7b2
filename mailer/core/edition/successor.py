"""PURE: next month's edition started from an earlier one (`mailer edition new`).

Works on the text, not on re-dumped data, so the coordinator's comments, order and quoting carry
over. Two edits are made: the `month:` line, and the `events:` block, which becomes `events: []`
(last month's events are past, and a stale date in a letter is worse than a missing one). Texts
that name the source month (`marraskuu`, `november`) are only flagged, with their line: rewording
them is the coordinator's job, the program cannot know what the new month's letter says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any, NamedTuple

from babel.dates import get_month_names

from mailer.core.errors import ContentError
from mailer.core.models import Language
from mailer.core.yaml_lines import Path, line_of, load_with_lines

__all__ = ["Flag", "Successor", "successor_text"]

_MONTH_LINE = re.compile(r"""^(\s*month\s*:\s*)(["']?)\d{4}-\d{2}\2(\s*(#.*)?)$""")


class Flag(NamedTuple):
    """A text the coordinator should look at in the new edition."""

    field: str
    line: int | None
    message: str


class Successor(NamedTuple):
    text: str
    cleared_events: int
    flags: list[Flag]


def _field(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _strings(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))
    elif isinstance(value, str):
        yield path, value


def _month_names(month: str) -> list[str]:
    """The source month's names, stand-alone and in running text (`marraskuu`, `november`): a
    Finnish inflected form (`marraskuun`, `marraskuussa`) contains the stand-alone name."""
    number = date.fromisoformat(f"{month}-01").month
    return [
        str(get_month_names("wide", "stand-alone", locale=lang.value)[number]) for lang in Language
    ]


def _flags(data: dict[str, Any], lines: dict[Path, int], source_month: str) -> list[Flag]:
    names = _month_names(source_month)
    flags = []
    for path, text in _strings(data, ()):
        if path[:1] in (("month",), ("events",)):
            continue
        found = next((n for n in names if n.lower() in text.lower()), None)
        if found is not None:
            message = f"names {found!r} (from {source_month}): reword it for the new month"
            flags.append(Flag(_field(path), line_of(lines, path), message))
    return flags


def _top_level_lines(lines: dict[Path, int]) -> list[int]:
    return sorted(line for path, line in lines.items() if len(path) == 1)


def _without_events(rows: list[str], lines: dict[Path, int]) -> list[str]:
    """`rows` with the `events:` block replaced by `events: []` (comments and blank lines just
    before the next top-level key stay: they belong to it)."""
    start = lines[("events",)]
    later = [line for line in _top_level_lines(lines) if line > start]
    end = later[0] - 1 if later else len(rows)  # 1-based, inclusive
    while end > start and (not rows[end - 1].strip() or rows[end - 1].lstrip().startswith("#")):
        end -= 1
    return [*rows[: start - 1], "events: []", *rows[end:]]


def _with_month(rows: list[str], lines: dict[Path, int], month: str) -> list[str]:
    number = lines[("month",)]
    match = _MONTH_LINE.match(rows[number - 1])
    if match is None:
        raise ContentError(
            "(source)", number, "month", "write the month on one line: month: YYYY-MM"
        )
    rows = list(rows)
    quote = match.group(2)
    rows[number - 1] = f"{match.group(1)}{quote}{month}{quote}{match.group(3)}"
    return rows


def successor_text(text: str, *, source_month: str, month: str) -> Successor:
    """The edition for `month`, started from the (valid) edition text of `source_month`."""
    data, lines = load_with_lines(text)
    rows = _with_month(text.split("\n"), lines, month)  # same line count: `lines` stays right
    events = data.get("events") or []
    if ("events",) in lines and events:
        rows = _without_events(rows, lines)
    new_text = "\n".join(rows)
    new_data, new_lines = load_with_lines(new_text)
    return Successor(new_text, len(events), _flags(new_data, new_lines, source_month))
