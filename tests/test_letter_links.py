"""The letter's own links (issue 15): "Päivitä tietosi" / "Uppdatera dina uppgifter" to the
contact's page `/p/{token}` (a page token over the contact's token key, never the unsubscribe
token) and "Lue selaimessa" / "Läs i webbläsaren" to the variant's archive page (no personal data
in it), in the HTML and the text part; the archive's copy keeps neither."""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from mailer.core.tokens import (
    PAGE_SALT,
    InvalidTokenError,
    TokenMaker,
    make_page_token,
    read_page_token,
    read_unsubscribe_token,
)
from mailer.pipeline import Context
from mailer.pipeline.editions.check import approve_edition
from mailer.pipeline.send.deliver import send_edition
from mailer.store import tables
from mailer.web.app import create_app
from tests.asgi_client import AsgiClient
from tests.test_archive import MONTH, work  # noqa: F401  (fixture)
from tests.test_send_support import add_contacts, person

SECRET = "test-secret-key-for-signing-tokens"
PAGE = re.compile(r"https://vipu\.example/p/([A-Za-z0-9_.-]+)")


def _letters(ctx: Context) -> list[email.message.EmailMessage]:
    folder = ctx.settings.outbox_dir / MONTH
    return [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def _parts(message: email.message.EmailMessage) -> tuple[str, str]:
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None
    return html.get_content(), text.get_content()


def test_page_tokens_and_unsubscribe_tokens_never_pass_for_each_other() -> None:
    key = "x4Qm-1Zb_r0pLk7Yv9Wc2A"
    page = make_page_token(SECRET, key)
    assert read_page_token(SECRET, page) == key
    with pytest.raises(InvalidTokenError):
        read_unsubscribe_token(SECRET, page)
    unsubscribe = TokenMaker(SECRET)(key)
    assert unsubscribe != page
    with pytest.raises(InvalidTokenError):
        read_page_token(SECRET, unsubscribe)
    with pytest.raises(InvalidTokenError):
        read_page_token("another-installation", page)


def test_the_fast_page_token_maker_makes_the_real_page_token() -> None:
    maker = TokenMaker(SECRET, PAGE_SALT)
    assert maker.fast
    for key in ("0Tq8_nWcRk3-yHs1ZbLe7g", "aaaaaaaaaaaaaaaaaaaaaa"):
        assert read_page_token(SECRET, maker(key)) == key


def test_every_letter_links_the_contacts_page_and_its_archive_page_in_both_parts(
    work: Context,  # noqa: F811
) -> None:
    add_contacts(work.engine, [person(i) for i in range(10)])
    approve_edition(work, MONTH, "Kaisa Koordinaattori")
    assert send_edition(work, MONTH).accepted == 10
    with work.engine.connect() as conn:
        keys = {
            row.email: row.token_key
            for row in conn.execute(sa.select(tables.contacts.c.email, tables.contacts.c.token_key))
        }
    letters = _letters(work)
    assert len(letters) == 10
    for message in letters:
        html, text = _parts(message)
        to = str(message["To"]).split("<")[-1].rstrip(">")
        lang = "sv" if "Läs i webbläsaren" in html else "fi"
        label, browser = {
            "fi": ("Päivitä tietosi", "Lue selaimessa"),
            "sv": ("Uppdatera dina uppgifter", "Läs i webbläsaren"),
        }[lang]
        assert label in html and browser in html
        for part in (html, text):
            [token] = set(PAGE.findall(part))
            assert read_page_token(SECRET, token) == keys[to]
            [archive] = set(re.findall(r"https://vipu\.example(/archive/[^\s\"<]+)", part))
            assert re.fullmatch(rf"/archive/{MONTH}/[a-z]+/{lang}", archive)


def test_the_archive_copy_keeps_neither_the_page_link_nor_the_browser_link(
    work: Context,  # noqa: F811
) -> None:
    add_contacts(work.engine, [person(i) for i in range(10)])
    approve_edition(work, MONTH, "Kaisa Koordinaattori")
    send_edition(work, MONTH)
    client = AsgiClient(create_app(work.settings, work))
    try:
        for path, words in (
            (f"/archive/{MONTH}/hyks/fi", ("Päivitä tietosi", "Lue selaimessa")),
            (f"/archive/{MONTH}/tyks/sv", ("Uppdatera dina uppgifter", "Läs i webbläsaren")),
        ):
            page = client.get(path)
            assert page.status_code == 200
            assert "/p/" not in page.text
            for word in words:
                assert word not in page.text
    finally:
        client.close()


def test_the_preview_letter_links_a_page_that_names_nobody(tmp_path: Path) -> None:
    from mailer.config import Settings
    from mailer.core.models import Language, Region, Variant
    from mailer.pipeline.editions.preview import sample_recipient

    settings = Settings(var_dir=tmp_path, secret_key=SECRET, public_url="https://vipu.example")  # type: ignore[arg-type]
    recipient = sample_recipient(settings, Variant(region=Region.KYS, language=Language.SV))
    [token] = PAGE.findall(recipient.page_url)
    assert read_page_token(SECRET, token) == "preview"  # no contact has such a key
