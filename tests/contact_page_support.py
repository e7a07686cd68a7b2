"""Shared by the contact page tests: a contact with a page link, the forms' tokens, the
messages the page sent (the outbox), and posting a form of the page."""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage
from typing import Any

import httpx
import sqlalchemy as sa

from mailer.core.tokens import make_page_token
from mailer.pipeline import Context
from mailer.pipeline.contact_page.mail import OUTBOX_EDITION
from mailer.store import contacts as store
from mailer.store.tables import contacts
from tests.accounts_support import Browser
from tests.reports_data import add_contact

SECRET = "test-secret-key-for-signing-tokens"
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
LINK = re.compile(r"https://vipu\.example(/confirm/[a-z]+/[A-Za-z0-9_.-]+)")


def leaver(ctx: Context, email_address: str = "aino.leaver@espoo.example", **fields: Any) -> str:
    """A contact of Espoo (hyks, fi) with a token key; returns the path of their page."""
    key = fields.pop("token_key", "Lv-aino-key-0000000001")
    with ctx.engine.begin() as conn:
        add_contact(conn, email_address, first_name="Aino", last_name="Lähtijä",
                    token_key=key, **fields)  # fmt: skip
    return f"/p/{make_page_token(SECRET, key)}"


def row(ctx: Context, email_address: str) -> sa.RowMapping | None:
    with ctx.engine.connect() as conn:
        return store.find_contact(conn, email_address)


def history(ctx: Context, email_address: str) -> list[tuple[str, str | None]]:
    found = row(ctx, email_address)
    assert found is not None
    with ctx.engine.connect() as conn:
        return [(h["kind"], h["actor"]) for h in store.history_of(conn, found["id"])]


def count_contacts(ctx: Context) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(contacts)).scalar_one())


def form_token(html: str) -> str:
    found = FORM_TOKEN.search(html)
    assert found is not None, "no form_token on the page"
    return found.group(1)


def submit(browser: Browser, page: str, action: str, **data: str) -> httpx.Response:
    """GET the page, then POST one of its forms with the page's form token."""
    token = form_token(browser.get(page).text)
    return browser.post(f"{page}/{action}" if action else page, {"form_token": token, **data})


def sent(ctx: Context) -> list[EmailMessage]:
    folder = ctx.settings.outbox_dir / OUTBOX_EDITION / "test"
    if not folder.exists():
        return []
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in files
    ]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage) -> str:
    found = LINK.search(text_of(message))
    assert found is not None, "no confirmation link in the message"
    return found.group(1)
