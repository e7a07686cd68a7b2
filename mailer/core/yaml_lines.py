"""PURE: YAML -> plain Python data plus the line where each value starts.

Pydantic reports a validation error at a *path* (`events`, 2, `start`); a person needs the *line*
in the file. PyYAML's composer keeps a start mark on every node, so we compose the node graph and
build the data ourselves, recording `path -> line` (1-based) as we go.

Timestamps are deliberately not resolved (they stay strings): pydantic parses them, so a bad date
like `2026-11-31` becomes a validation error with a path instead of a crash in the YAML constructor.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["Path", "YamlSyntaxError", "line_of", "load_with_lines"]

Path = tuple[str | int, ...]


class YamlSyntaxError(ValueError):
    """The text is not YAML; `line` is 1-based (None when PyYAML gives no position)."""

    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        super().__init__(message)


class _Loader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp resolver (see the module docstring)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _build(node: Node, path: Path, lines: dict[Path, int], scalars: SafeConstructor) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        scalars.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = scalars.construct_object(key_node, deep=True)
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
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSyntaxError(line, f"{err.problem or err.context}") from err
    except yaml.YAMLError as err:
        raise YamlSyntaxError(None, str(err)) from err
    lines: dict[Path, int] = {}
    if root is None:
        return None, lines
    return _build(root, (), lines, SafeConstructor()), lines


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest recorded ancestor (a missing key's parent)."""
    for end in range(len(path), -1, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return None
