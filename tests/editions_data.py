"""Editions live in the database: tests put letter files there the way a coordinator does, with
`mailer edition import` (the pipeline function behind it), or save a change in the workspace
editor as a browser would (`post_editor`)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import httpx
from sqlalchemy.engine import Engine

from mailer.core.edition.revisions import text_hash
from mailer.pipeline import Context
from mailer.pipeline.editions.revisions import Imported, import_editions
from mailer.store.base import utcnow
from mailer.store.revisions import add_revision

if TYPE_CHECKING:
    from tests.accounts_support import Browser

__all__ = ["editor_fields", "import_letters", "post_editor", "store_unchecked"]


def import_letters(ctx: Context, *paths: Path, by: str = "Testi Tuoja") -> list[Imported]:
    """Import files, or every YYYY-MM.yaml of a folder, as new revisions (unchanged text: none)."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("[0-9]*-[0-9]*.yaml")) if path.is_dir() else [path]
    return import_editions(ctx, files, by)


def store_unchecked(engine: Engine, month: str, text: str) -> None:
    """A revision the import would refuse today, as if saved before a rule existed (the check
    and the approval must still find its problems)."""
    with engine.begin() as conn:
        add_revision(
            conn,
            month=month,
            text=text,
            text_hash=text_hash(text),
            author="Vanha Versio",
            at=utcnow(),
            changes=None,
        )


class _FormFields(HTMLParser):
    """The fields a browser would post from the workspace editor's form (`form.editor`):
    inputs and text areas in order, check boxes only when ticked, no buttons."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._inside = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._inside = "editor" in a.get("class", "").split()
        elif self._inside and tag == "input" and a.get("name"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields.append((a["name"], a.get("value", "")))
        elif self._inside and tag == "textarea":
            self._textarea, self._text = a["name"], []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            # a browser drops one newline right after <textarea> and posts CRLF line endings
            text = "".join(self._text).removeprefix("\n").replace("\n", "\r\n")
            self.fields.append((self._textarea, text))
            self._textarea = None
        elif tag == "form":
            self._inside = False


def editor_fields(html: str) -> list[tuple[str, str]]:
    """The editor page's form as a browser would post it (csrf_token and base included)."""
    parser = _FormFields()
    parser.feed(html)
    return parser.fields


def post_editor(
    browser: Browser,
    month: str,
    changes: dict[str, str] | None = None,
    *,
    html: str | None = None,
    action: str | None = None,
    drop: tuple[str, ...] = (),
    to: str = "edit",
) -> httpx.Response:
    """Open the editor of `month` (or use `html`, a page already shown), change the named fields
    and press Save (or the button `action`, e.g. `add:national`). For other tests too: a signed-in
    coordinator's `post_editor(browser, "2026-11", {"subject.fi": "Uusi aihe"})` saves a change.
    `to="check"` posts the same form to the live check instead."""
    page = html if html is not None else browser.get(f"/editions/{month}/edit").text
    changes = dict(changes or {})
    fields = []
    for name, value in editor_fields(page):
        if name in drop:
            continue
        fields.append((name, changes.pop(name, value)))
    fields += list(changes.items())
    if action is not None:
        fields.append(("action", action))
    body = urlencode(fields)
    headers = browser.jar.headers({"Content-Type": "application/x-www-form-urlencoded"})
    return browser.jar.take(
        browser.client.post(f"/editions/{month}/{to}", content=body, headers=headers)
    )
