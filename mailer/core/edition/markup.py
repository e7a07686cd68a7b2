"""PURE: Markdown in edition texts -> sanitised HTML, plain text, and the links it holds.

CommonMark via markdown-it-py with raw HTML disabled, then nh3 (ammonia) with an allow-list, so a
pasted `<script>` or `javascript:` link can never reach a letter. Links get an inline colour
because many mail clients drop `<style>` rules on `<a>` (mjml-python has no `mj-style inline`).
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["LINK_COLOUR", "link_targets", "markdown_to_html", "markdown_to_text"]

LINK_COLOUR = "#0b5c8c"

_TAGS = {"p", "a", "strong", "em", "ul", "ol", "li", "br"}
_ATTRIBUTES = {"a": {"href"}}
_SCHEMES = {"https", "mailto"}


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).disable(["image", "heading", "code", "fence"])


def markdown_to_html(source: str) -> str:
    rendered = _parser().render(source)
    return nh3.clean(
        rendered,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel=None,
        # one attribute only: nh3 adds several in hash order, which would make renders differ
        set_tag_attribute_values={"a": {"style": f"color:{LINK_COLOUR}"}},
    ).strip()


def link_targets(source: str) -> list[str]:
    """Every link target written in the Markdown (`[text](url)` and `<url>`), in order."""
    found: list[str] = []
    for block in _parser().parse(source):
        for token in block.children or []:
            if token.type == "link_open":
                found.append(str(token.attrs.get("href", "")))
    return found


def _inline_text(children: list[Token]) -> str:
    parts: list[str] = []
    href: list[str] = []
    label_start: list[int] = []
    for token in children:
        if token.type in {"text", "code_inline"}:
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif token.type == "link_open":
            href.append(str(token.attrs.get("href", "")))
            label_start.append(len(parts))
        elif token.type == "link_close" and href:
            target = href.pop()
            label = "".join(parts[label_start.pop() :])
            target_shown = target.removeprefix("mailto:")
            if label != target_shown:
                parts.append(f" <{target_shown}>")
    return "".join(parts)


def markdown_to_text(source: str) -> str:
    """Plain text for the text/plain part: paragraphs apart, list items with a dash, links as
    `label <url>` (the convention of RFC 3986 appendix C for URLs in running text)."""
    blocks: list[str] = []
    lists: list[list[int]] = []  # one [ordered, counter] per open list
    continues_list = False
    for token in _parser().parse(source):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append([int(token.type == "ordered_list_open"), 0])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            continues_list = bool(lists)
        elif token.type == "list_item_open":
            lists[-1][1] += 1
        elif token.type == "inline":
            text = _inline_text(token.children or [])
            if not lists:
                blocks.append(text)
                continues_list = False
                continue
            ordered, number = lists[-1]
            indent = "  " * (len(lists) - 1)
            mark = f"{number}. " if ordered else "- "
            text = indent + mark + text.replace("\n", "\n" + indent + "  ")
            if continues_list:
                blocks[-1] += "\n" + text
            else:
                blocks.append(text)
            continues_list = True
    return "\n\n".join(blocks)
