"""The workspace's page shell, shared by every router behind login: the catalogues, the
navigation and the two page renderers (anonymous and signed-in).

Catalogues: `templates/web/workspace/i18n/<lang>.yaml` plus any part file
`i18n/<part>.<lang>.yaml` (one per capability, so the editor, the register and the schedule keep
their own words). A key defined in two files is an error at load, never a silent override.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from fastapi import Request
from fastapi.responses import HTMLResponse

from mailer.config import Settings
from mailer.core.accounts import Permission, UiLanguage
from mailer.pipeline import Context
from mailer.web.pages import html_response
from mailer.web.sessions import Visitor

__all__ = [
    "EDITION_PAGES",
    "NAV",
    "NavItem",
    "anonymous_language",
    "catalogue_files",
    "ctx_of",
    "page",
    "signed_in_page",
    "strings",
]


class NavItem(NamedTuple):
    key: str  # the `nav` value a page passes, and the catalogue key `nav_<key>`
    href: str
    permission: Permission | None  # None: every signed-in account sees it


# The workspace's main navigation, in order. A capability adds its own line.
NAV: tuple[NavItem, ...] = (
    NavItem("dashboard", "/", None),
    NavItem("contacts", "/contacts", None),
    NavItem("organisations", "/organisations", None),
    NavItem("roster", "/roster", Permission.MANAGE_CONTACTS),
    NavItem("appointments", "/appointments", Permission.MANAGE_CONTACTS),
    NavItem("pending", "/pending", Permission.MANAGE_CONTACTS),
    NavItem("editions", "/editions", Permission.EDIT_EDITIONS),
    NavItem("media", "/media", Permission.EDIT_EDITIONS),
    NavItem("audit", "/audit", Permission.VIEW_AUDIT),
    NavItem("schedule", "/schedule", Permission.EDIT_EDITIONS),
    NavItem("bounces", "/bounces", Permission.VIEW_REPORTS),
    NavItem("users", "/users", Permission.MANAGE_USERS),
    NavItem("settings", "/settings", Permission.VIEW_SETTINGS),
)

# The pages of one edition, shown as its sub-navigation; `href` holds `{month}`. A capability
# (editor, preview, approval, send) adds its own line, so the edition page links only to pages
# that exist. Its link text is the catalogue key `nav_<key>`; a page renders it with
# workspace/review_edition_nav.html (`edition_nav=review_common.edition_pages(who, month)`).
EDITION_PAGES: tuple[NavItem, ...] = (
    NavItem("overview", "/editions/{month}", None),
    NavItem("edit", "/editions/{month}/edit", Permission.EDIT_EDITIONS),
    NavItem("preview", "/editions/{month}/preview", None),
    NavItem("test_send", "/editions/{month}/test-send", Permission.TEST_SEND),
    NavItem("approval", "/editions/{month}/approval", None),
    NavItem("send", "/editions/{month}/send", Permission.EDIT_EDITIONS),
    NavItem("history", "/editions/{month}/history", None),
)


def catalogue_files(templates_dir: Path, language: str) -> list[Path]:
    folder = templates_dir / "web" / "workspace" / "i18n"
    return [folder / f"{language}.yaml", *sorted(folder.glob(f"*.{language}.yaml"))]


@cache
def _catalogue(templates_dir: Path, language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for path in catalogue_files(templates_dir, language):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in data.items():
            name = str(key)
            if name in merged:
                raise ValueError(f"{path}: key {name!r} is already defined in {origin[name]}")
            merged[name] = str(value)
            origin[name] = path
    return merged


def strings(settings: Settings, language: UiLanguage) -> dict[str, str]:
    return _catalogue(settings.templates_dir.resolve(), language.value)


def ctx_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def anonymous_language(lang: str | None) -> UiLanguage:
    try:
        return UiLanguage(lang or UiLanguage.FI.value)
    except ValueError:
        return UiLanguage.FI


def page(
    settings: Settings, name: str, language: UiLanguage, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """Render `templates/web/workspace/<name>` in `language`."""
    return html_response(
        settings,
        f"workspace/{name}",
        status=status,
        lang=language.value,
        t=strings(settings, language),
        languages=[lang.value for lang in UiLanguage],
        **context,
    )


def signed_in_page(
    request: Request, who: Visitor, name: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page behind login, in the account's language, with the navigation its role may see.
    Pass `nav=<key>` to mark the current section."""
    account = who.account
    assert account is not None
    return page(
        ctx_of(request).settings,
        name,
        account.ui_language,
        status=status,
        account=account,
        csrf=who.csrf,
        nav_items=[i for i in NAV if i.permission is None or account.may(i.permission)],
        may_audit=account.may(Permission.VIEW_AUDIT),
        may_admin=account.may(Permission.VIEW_ADMIN_PAGES),
        **context,
    )
