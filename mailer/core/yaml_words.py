"""PURE: PyYAML's syntax errors in words a coordinator understands.

PyYAML says `mapping values are not allowed here` or `expected <block end>, but found '<block
mapping start>'`; a person editing a letter needs "a colon inside text — put the text in quotes"
or "`sv` is indented less than `fi` on line 7", with the field the slip broke. This module is a
translation table from PyYAML's problems to those words, plus a small reader of the text's
indentation to name the field. It never changes what is accepted: only how a refusal is worded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

import yaml

__all__ = ["PlainProblem", "plain_problem"]


class PlainProblem(NamedTuple):
    line: int | None  # 1-based
    message: str
    field: str | None  # the field the problem broke, as a dotted path, when it can be told


# `key:` at the start of a line, optionally after a list dash: (indent of the key, key, colon col)
_KEY = re.compile(r"^(?P<lead>\s*(?:-\s+)?)(?P<key>[^\s:#'\"\[\]{}&*!|>%@`-][^:#]*?)\s*:(?:\s|$)")


class _Key(NamedTuple):
    indent: int
    name: str
    colon: int
    dash: int | None  # the column of a list dash before the key, if any


def _key(line: str) -> _Key | None:
    match = _KEY.match(line)
    if match is None:
        return None
    lead = match.group("lead")
    dash = lead.index("-") if "-" in lead else None
    return _Key(len(lead), match.group("key").strip(), match.end("key"), dash)


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _path_to(lines: list[str], index: int, name: str, indent: int) -> str:
    """The dotted path of a key `name` at `indent` on line `index`, from the less indented keys
    above it (list items as `[n]`)."""
    parts = [name]
    current = indent
    for i in range(index - 1, -1, -1):
        found = _key(lines[i])
        if found is None:
            continue
        if found.dash is not None and found.dash < current:
            # the line that starts our list item: its key is our ancestor or our sibling
            if found.indent < current:
                parts.insert(0, found.name)
            parts.insert(0, f"[{_item_number(lines, i, found.dash)}]")
            current = found.dash
        elif found.indent < current:
            parts.insert(0, found.name)
            current = found.indent
    return ".".join(parts).replace(".[", "[")


def _item_number(lines: list[str], index: int, dash: int) -> int:
    """How many list items at column `dash` come before the one on line `index`."""
    count = 0
    for i in range(index - 1, -1, -1):
        line = lines[i]
        if not _is_content(line):
            continue
        lead = len(line) - len(line.lstrip())
        if lead < dash:
            break
        if lead == dash and line.lstrip().startswith("- "):
            count += 1
    return count


def _previous_key(lines: list[str], index: int) -> tuple[int, _Key] | None:
    for i in range(index - 1, -1, -1):
        if _is_content(lines[i]):
            found = _key(lines[i])
            return None if found is None else (i, found)
    return None


def _indentation_slip(lines: list[str], index: int) -> PlainProblem | None:
    """A `key:` whose indentation does not match the key above it, named by the path it was
    meant to have (a sibling of the key above)."""
    here = _key(lines[index]) if index < len(lines) else None
    before = _previous_key(lines, index)
    if here is None or before is None or here.indent == before[1].indent:
        return None
    line_above, above = before
    intended = _path_to(lines, line_above, above.name, above.indent).rsplit(".", 1)
    path = ".".join([*intended[:-1], here.name])
    depth = "deeper" if here.indent > above.indent else "less"
    message = (
        f"`{here.name}` is indented {depth} than `{above.name}` on line {line_above + 1}: "
        f"line the two up (field {path})"
    )
    return PlainProblem(index + 1, message, path)


def _mapping_values(lines: list[str], err: yaml.MarkedYAMLError) -> PlainProblem:
    mark = err.problem_mark
    assert mark is not None
    here = _key(lines[mark.line]) if mark.line < len(lines) else None
    if here is not None and mark.column == here.colon:
        slip = _indentation_slip(lines, mark.line)
        if slip is not None:
            return slip
    field = None
    if here is not None:
        field = _path_to(lines, mark.line, here.name, here.indent)
    return PlainProblem(mark.line + 1, "a colon inside text — put the text in quotes", field)


def _block_end(lines: list[str], err: yaml.MarkedYAMLError) -> PlainProblem:
    mark = err.problem_mark
    assert mark is not None
    if "<block sequence start>" in (err.problem or ""):
        return PlainProblem(
            mark.line + 1, "this list item (`- `) is not lined up with the items above it", None
        )
    here = _key(lines[mark.line]) if mark.line < len(lines) else None
    slip = _indentation_slip(lines, mark.line) if here and here.indent == mark.column else None
    if slip is not None:
        return slip
    if "<scalar>" in (err.problem or ""):
        return PlainProblem(
            mark.line + 1,
            "a text that starts with `[`, `{` or a quote must be quoted whole — put the whole "
            "text in quotes",
            None,
        )
    return PlainProblem(mark.line + 1, "the indentation does not match the lines around it", None)


def _no_colon(lines: list[str], err: yaml.MarkedYAMLError) -> PlainProblem:
    mark = err.context_mark or err.problem_mark
    assert mark is not None
    return PlainProblem(
        mark.line + 1,
        "this line is neither a `field: value` nor indented under the text above it — indent "
        "a continued text, or add the missing colon after the field name",
        None,
    )


def _cannot_start(lines: list[str], err: yaml.MarkedYAMLError) -> PlainProblem:
    mark = err.problem_mark
    assert mark is not None
    problem = err.problem or ""
    if "'\\t'" in problem:
        return PlainProblem(mark.line + 1, "a tab character: indent with spaces only", None)
    char = problem.split("'")[1] if problem.count("'") >= 2 else "?"
    return PlainProblem(
        mark.line + 1, f'a text cannot start with "{char}" — put the text in quotes', None
    )


def _unclosed(lines: list[str], err: yaml.MarkedYAMLError) -> PlainProblem:
    mark = err.context_mark or err.problem_mark
    assert mark is not None
    return PlainProblem(mark.line + 1, "a quote opened on this line is never closed", None)


_Rule = Callable[[list[str], yaml.MarkedYAMLError], PlainProblem]

# PyYAML's problem (a prefix) and, optionally, its context -> the translation, and whether the
# key on the problem's line is the field to name (not so for a misplaced list item).
_TABLE: tuple[tuple[str, str | None, _Rule, bool], ...] = (
    ("mapping values are not allowed here", None, _mapping_values, False),
    ("expected <block end>", None, _block_end, False),
    ("could not find expected ':'", None, _no_colon, False),
    ("found character", None, _cannot_start, True),
    ("found unexpected end of stream", "while scanning a quoted scalar", _unclosed, True),
)


def _with_field(lines: list[str], found: PlainProblem) -> PlainProblem:
    """Name the field whose line the problem is on, when the rule did not."""
    if found.field is not None or found.line is None or found.line > len(lines):
        return found
    here = _key(lines[found.line - 1])
    if here is None:
        return found
    return found._replace(field=_path_to(lines, found.line - 1, here.name, here.indent))


def plain_problem(text: str, err: yaml.MarkedYAMLError) -> PlainProblem | None:
    """The error in plain words, its line (1-based) and, when it can be told, the field; None
    for a problem the table does not know (the caller keeps PyYAML's words)."""
    lines = text.splitlines()
    problem, context = err.problem or "", err.context or ""
    for prefix, needed_context, rule, name_field in _TABLE:
        if (
            problem.startswith(prefix)
            and (needed_context is None or needed_context in context)
            and err.problem_mark is not None
        ):
            found = rule(lines, err)
            return _with_field(lines, found) if name_field else found
    return None
