"""PURE: YAML -> plain Python data plus the line where each value starts.

Pydantic reports a validation error at a *path* (`events`, 2, `start`); a person needs the *line*
in the file. PyYAML's composer keeps a start mark on every node, so we compose the node graph and
build the data ourselves, recording `path -> line` (1-based) as we go.

Coordinator-edited files are read with `StrictSafeLoader`: anchors and aliases are refused (a
342-byte file of nested aliases expanded to gigabytes), nesting is capped (deep brackets gave
RecursionError), and every failure of building a value (a list used as a key, a 5000-digit
number) becomes a YamlSyntaxError with its line, never a traceback.

Timestamps are deliberately not resolved (they stay strings): pydantic parses them, so a bad date
like `2026-11-31` becomes a validation error with a path instead of a crash in the YAML constructor.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mailer.core.yaml_words import plain_problem

__all__ = [
    "MAX_DEPTH",
    "Path",
    "StrictSafeLoader",
    "YamlSyntaxError",
    "line_of",
    "load_with_lines",
    "located",
]

# Letters nest about six levels deep (regional > hyks > fi > body); far more is an attack.
MAX_DEPTH = 50
# Plain values a mapping key may be (a list or mapping as key is not something we read).
_KEY_TYPES = (str, int, float, bool, type(None))

Path = tuple[str | int, ...]


class YamlSyntaxError(ValueError):
    """The text is not YAML; `line` is 1-based (None when PyYAML gives no position); `field` is
    the field a slip broke, when it can be told (`mailer.core.yaml_words`)."""

    def __init__(self, line: int | None, message: str, field: str | None = None) -> None:
        self.line = line
        self.field = field
        super().__init__(message)


class StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases and nesting deeper than MAX_DEPTH, while
    composing (before anything is expanded or built)."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise ComposerError(
                None,
                None,
                "anchors and aliases (&name, *name) are not allowed here: write the value out",
                event.start_mark,
            )
        if self._depth >= MAX_DEPTH:
            raise ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError) as err:  # e.g. a number over the 4300-digit limit
            reason = str(err).split(";")[0]
            raise ConstructorError(
                None, None, f"value cannot be read: {reason}", node.start_mark
            ) from err


class _Loader(StrictSafeLoader):
    """StrictSafeLoader without the implicit timestamp resolver (see the module docstring)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def located(error: yaml.YAMLError | ValueError | TypeError) -> YamlSyntaxError:
    """Any failure of reading YAML as a YamlSyntaxError with the line PyYAML marked, if any."""
    if isinstance(error, YamlSyntaxError):
        return error
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        return YamlSyntaxError(line, f"{error.problem or error.context}")
    return YamlSyntaxError(None, str(error))


def _key(node: Node, scalars: SafeConstructor) -> Any:
    if not isinstance(node, ScalarNode):
        raise YamlSyntaxError(node.start_mark.line + 1, "a key must be a plain value")
    key = scalars.construct_object(node, deep=True)
    if not isinstance(key, _KEY_TYPES):
        raise YamlSyntaxError(node.start_mark.line + 1, "a key must be a plain value")
    return key


def _build(node: Node, path: Path, lines: dict[Path, int], scalars: SafeConstructor) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        scalars.flatten_mapping(node)  # resolves `<<: {...}` merge keys (aliases are refused)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _key(key_node, scalars)
            if isinstance(key, str | int):
                lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _build(value_node, (*path, key), lines, scalars)
        return result
    if isinstance(node, SequenceNode):
        return [_build(item, (*path, i), lines, scalars) for i, item in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    return scalars.construct_object(node, deep=True)


def load_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """The document's data and `path -> line`; raises YamlSyntaxError on malformed YAML."""
    lines: dict[Path, int] = {}
    try:
        root = yaml.compose(text, Loader=_Loader)
        if root is None:
            return None, lines
        return _build(root, (), lines, _Loader("")), lines
    except yaml.MarkedYAMLError as err:
        plain = plain_problem(text, err)  # in a coordinator's words, when we have them
        if plain is None:
            raise located(err) from err
        raise YamlSyntaxError(plain.line, plain.message, plain.field) from err
    except (yaml.YAMLError, ValueError, TypeError) as err:
        raise located(err) from err


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest recorded ancestor (a missing key's parent)."""
    for end in range(len(path), -1, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return None
