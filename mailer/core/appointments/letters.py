"""PURE: the appointment letters' HTML from their text: the text templates are the one source,
so the two parts never say different things. `[fi]` / `[sv]` lines open a section in that
language (the HTML marks it with `lang`); blank lines separate paragraphs; a line that is only a
URL becomes a link."""

from __future__ import annotations

import html
import re

__all__ = ["letter_html", "plain_text"]

_SECTION = re.compile(r"^\[(fi|sv)\]$")
_URL = re.compile(r"^https?://\S+$")


def _sections(text: str, language: str) -> list[tuple[str, list[list[str]]]]:
    sections: list[tuple[str, list[list[str]]]] = [(language, [[]])]
    for line in text.splitlines():
        marker = _SECTION.match(line.strip())
        if marker:
            sections.append((marker.group(1), [[]]))
        elif not line.strip():
            sections[-1][1].append([])
        else:
            sections[-1][1][-1].append(line.strip())
    return [(lang, [p for p in paras if p]) for lang, paras in sections if any(paras)]


def _paragraph(lines: list[str]) -> str:
    parts = []
    for line in lines:
        if _URL.match(line):
            url = html.escape(line, quote=True)
            parts.append(f'<a href="{url}">{url}</a>')
        else:
            parts.append(html.escape(line))
    return "<p>" + "<br>\n".join(parts) + "</p>"


def letter_html(text: str, *, language: str, title: str) -> str:
    """A small, accessible HTML part for the letter whose text is `text`."""
    body = "\n".join(
        f'<div lang="{lang}">\n' + "\n".join(_paragraph(p) for p in paras) + "\n</div>"
        for lang, paras in _sections(text, language)
    )
    return (
        f'<!doctype html>\n<html lang="{language}">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n"
        f'<body style="font-family:Arial,sans-serif;line-height:1.5;max-width:40em">\n'
        f"{body}\n</body>\n</html>\n"
    )


def plain_text(text: str) -> str:
    """The text part: the section markers dropped, a rule between the languages."""
    out: list[str] = []
    for line in text.splitlines():
        if _SECTION.match(line.strip()):
            if out:
                out.extend(["", "----", ""])
            continue
        out.append(line.rstrip())
    return "\n".join(out).strip() + "\n"
