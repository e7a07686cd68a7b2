"""What the review pages (preview, test send, approval) share: the edition's month from the
path, and the facts of its latest revision."""

from __future__ import annotations

from fastapi import HTTPException, Request

from mailer.core.edition.dates import is_month
from mailer.pipeline.editions.revisions import Revision
from mailer.pipeline.editions.source import latest_text
from mailer.web.sessions import Visitor
from mailer.web.shell import EDITION_PAGES, NavItem, ctx_of

__all__ = ["edition_pages", "existing_revision"]


def existing_revision(request: Request, month: str) -> Revision:
    """The month's latest revision; 404 for a malformed month or an edition not in the
    database (never a 500 from a path a person typed)."""
    if not is_month(month):
        raise HTTPException(status_code=404, detail="not an edition month")
    revision = latest_text(ctx_of(request), month)
    if revision is None:
        raise HTTPException(status_code=404, detail="no such edition")
    return revision


def edition_pages(who: Visitor, month: str) -> list[NavItem]:
    """The edition's sub-navigation this account may use, with `{month}` filled in."""
    account = who.account
    assert account is not None
    return [
        item._replace(href=item.href.format(month=month))
        for item in EDITION_PAGES
        if item.permission is None or account.may(item.permission)
    ]
