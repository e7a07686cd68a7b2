"""PURE: an edition's text as the database keeps it, its hash, and what changed between revisions.

The YAML text is stored as written (comments, order, quoting and all), only with its line endings
made `\\n` and one final newline: so an export gives back exactly what was imported, and line
numbers in problems still point into the coordinator's file. What changed is computed from the
parsed data, not the text, so moving a comment is no change while editing a Swedish body is
`national[1].body.sv`.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from mailer.core.edition.content import ContentProblem
from mailer.core.errors import ContentError

__all__ = [
    "EditionProblemsError",
    "canonical_text",
    "changed_paths",
    "check_month",
    "text_hash",
]

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

# A summary longer than this is cut; a revision that changes everything says so in one line.
MAX_PATHS = 40


class EditionProblemsError(ContentError):
    """Edition content that cannot be stored: every problem travels along (`problems`), the
    message names the first one."""

    def __init__(self, problems: Sequence[ContentProblem]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first.file, first.line, first.field, first.message + more)


def check_month(month: str) -> str:
    if not _MONTH.match(month):
        raise ContentError(month, None, "month", "expected YYYY-MM, e.g. 2026-11")
    return month


def canonical_text(text: str) -> str:
    """The text as stored: no byte-order mark, `\\n` line endings, exactly one final newline."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


def text_hash(text: str) -> str:
    """sha256 of the stored text (hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _fingerprint(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _dict_changes(old: dict[Any, Any], new: dict[Any, Any], path: str) -> Iterator[str]:
    for key in [*old, *(k for k in new if k not in old)]:
        where = _join(path, key)
        if key not in new:
            yield f"{where} (removed)"
        elif key not in old:
            yield f"{where} (added)"
        else:
            yield from _changes(old[key], new[key], where)


def _list_changes(old: list[Any], new: list[Any], path: str) -> Iterator[str]:
    """Items matched by content (difflib), so inserting one item reports one addition, not a
    change of every item after it."""
    matcher = difflib.SequenceMatcher(
        a=[_fingerprint(v) for v in old], b=[_fingerprint(v) for v in new], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            yield from _changes(old[i1 + k], new[j1 + k], _join(path, j1 + k))
        for k in range(i1 + paired, i2):
            yield f"{_join(path, k)} (removed)"
        for k in range(j1 + paired, j2):
            yield f"{_join(path, k)} (added)"


def _changes(old: Any, new: Any, path: str) -> Iterator[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        yield from _dict_changes(old, new, path)
    elif isinstance(old, list) and isinstance(new, list):
        yield from _list_changes(old, new, path)
    elif _fingerprint(old) != _fingerprint(new):
        yield path or "(document)"


def changed_paths(old: Any, new: Any) -> list[str]:
    """The field paths that differ between two parsed editions (`subject.fi`, `events[2] (added)`),
    in document order; at most MAX_PATHS, the last entry then says how many more."""
    found = list(_changes(old, new, ""))
    if len(found) > MAX_PATHS:
        rest = len(found) - MAX_PATHS + 1
        found = [*found[: MAX_PATHS - 1], f"... and {rest} more"]
    return found
