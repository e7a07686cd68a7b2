"""The public archive: sent editions listed, each letter at a stable URL rendered from the sent
revision without anyone's personal data, Atom feeds, 404s, GET only, the security headers."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from mailer.core.models import Region
from mailer.core.tokens import make_unsubscribe_token
from mailer.pipeline import Context
from mailer.pipeline.archive import public_copy
from mailer.pipeline.editions.check import approve_edition
from mailer.pipeline.send.deliver import send_edition
from mailer.store import tables
from mailer.web.app import create_app
from tests.asgi_client import AsgiClient
from tests.editions_data import import_letters
from tests.test_send_support import add_contacts, person

ROOT = Path(__file__).resolve().parent.parent
MONTH = "2026-11"
ATOM = "{http://www.w3.org/2005/Atom}"
LETTER = f"/archive/{MONTH}/hyks/fi"


@pytest.fixture
def work(ctx: Context, tmp_path: Path) -> Context:
    """The November edition imported into a private copy of the content (the approval hash
    covers the templates, so the shared tree must not be read mid-test)."""
    shutil.copytree(ROOT / "letters", tmp_path / "letters")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    ctx.settings.letters_dir = tmp_path / "letters"
    ctx.settings.templates_dir = tmp_path / "templates"
    import_letters(ctx, ctx.settings.letters_dir)
    return ctx


@pytest.fixture
def client(work: Context) -> Iterator[AsgiClient]:
    test_client = AsgiClient(create_app(work.settings, work))
    yield test_client
    test_client.close()


def _send(ctx: Context, count: int = 10) -> list[int]:
    ids = add_contacts(ctx.engine, [person(i) for i in range(count)])
    approve_edition(ctx, MONTH, "Kaisa Koordinaattori")
    report = send_edition(ctx, MONTH)
    assert report.accepted == count
    return ids


def _new_revision(ctx: Context, old: str, new: str) -> None:
    path = ctx.settings.letters_dir / f"{MONTH}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    import_letters(ctx, path)


def _subject_fi(ctx: Context) -> str:
    data = yaml.safe_load((ctx.settings.letters_dir / f"{MONTH}.yaml").read_text("utf-8"))
    return str(data["subject"]["fi"])


def test_an_unsent_edition_is_not_in_the_archive(work: Context, client: AsgiClient) -> None:
    approve_edition(work, MONTH, "Kaisa Koordinaattori")
    page = client.get("/archive/")
    assert page.status_code == 200
    assert MONTH not in page.text
    assert client.get(LETTER).status_code == 404


def test_a_sent_edition_is_listed_with_all_ten_letters(work: Context, client: AsgiClient) -> None:
    _send(work)
    page = client.get("/archive/")
    assert page.status_code == 200
    assert '<html lang="fi">' in page.text
    for region in Region:
        for language in ("fi", "sv"):
            assert f'href="/archive/{MONTH}/{region.value}/{language}"' in page.text
    assert _subject_fi(work) in page.text


@pytest.mark.parametrize(
    ("lang", "expected", "title"),
    [
        ("fi", "fi", "VIPU-kuukausikirjeen arkisto"),
        ("sv", "sv", "Arkivet för VIPU-månadsbrevet"),
        ("en", "en", "VIPU monthly letter archive"),
        ("de", "fi", "VIPU-kuukausikirjeen arkisto"),
    ],
)
def test_the_listing_speaks_the_asked_language(
    client: AsgiClient, lang: str, expected: str, title: str
) -> None:
    page = client.get(f"/archive/?lang={lang}")
    assert page.status_code == 200
    assert f'<html lang="{expected}">' in page.text
    assert title in page.text


def test_the_letter_has_a_neutral_greeting_and_no_personal_data(
    work: Context, client: AsgiClient
) -> None:
    ids = _send(work)
    secret = work.settings.secret_key.get_secret_value()
    with work.engine.connect() as conn:
        people = conn.execute(sa.select(tables.contacts)).mappings().all()
    for region in Region:
        for language, hello in (
            ("fi", "Hei VIPU-yhdyshenkilö,"),
            ("sv", "Hej VIPU-kontaktperson,"),
        ):
            page = client.get(f"/archive/{MONTH}/{region.value}/{language}")
            assert page.status_code == 200
            html = page.text
            assert html.lstrip().lower().startswith("<!doctype html")
            assert f'lang="{language}"' in html
            assert hello in html
            assert "%%" not in html
            assert "/u/" not in html
            assert "Peru kirjeen tilaus" not in html and "tilauksen" not in html.lower()
            for row in people:
                for value in (row["email"], row["first_name"], row["organisation"]):
                    assert value not in html
            for contact_id in ids:
                assert make_unsubscribe_token(secret, contact_id) not in html


def test_a_revision_imported_after_the_send_never_changes_the_archive(
    work: Context, client: AsgiClient
) -> None:
    _send(work)
    before_letter = client.get(LETTER).text
    before_feed = client.get("/archive/fi.atom").text
    subject = _subject_fi(work)
    _new_revision(work, subject, "Muokattu otsikko lähetyksen jälkeen")
    approve_edition(work, MONTH, "Kaisa Koordinaattori")
    send_edition(work, MONTH)  # nobody new: the newer revision reaches no one
    assert client.get(LETTER).text == before_letter
    assert client.get("/archive/fi.atom").text == before_feed
    assert "Muokattu otsikko" not in client.get("/archive/").text


def test_the_atom_feeds_have_one_entry_per_region_at_the_stable_url(
    work: Context, client: AsgiClient
) -> None:
    _send(work)
    for language in ("fi", "sv"):
        response = client.get(f"/archive/{language}.atom")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)
        assert feed.tag == f"{ATOM}feed"
        for tag in ("id", "title", "updated"):
            assert (feed.findtext(f"{ATOM}{tag}") or "").strip()
        assert feed.find(f"{ATOM}author/{ATOM}name") is not None
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == len(Region)
        hrefs = set()
        for entry in entries:
            for tag in ("id", "title", "updated"):
                assert (entry.findtext(f"{ATOM}{tag}") or "").strip()
            link = entry.find(f"{ATOM}link")
            assert link is not None
            hrefs.add(link.get("href"))
        expected = {f"https://vipu.example/archive/{MONTH}/{r.value}/{language}" for r in Region}
        assert hrefs == expected


def test_an_empty_feed_is_still_valid_atom(client: AsgiClient) -> None:
    feed = ET.fromstring(client.get("/archive/sv.atom").content)
    assert feed.findtext(f"{ATOM}updated")
    assert feed.findall(f"{ATOM}entry") == []


@pytest.mark.parametrize(
    "path",
    [
        "/archive/2026-10/hyks/fi",  # never sent
        f"/archive/{MONTH}/lapland/fi",
        f"/archive/{MONTH}/hyks/en",
        "/archive/2026-13/hyks/fi",
        "/archive/not-a-month/hyks/fi",
        "/archive/en.atom",
        f"/archive/{MONTH}/hyks",
        "/archive/anything/else/entirely/here",
    ],
)
def test_unknown_month_region_or_language_is_404(
    work: Context, client: AsgiClient, path: str
) -> None:
    _send(work, 2)
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["x-frame-options"] == "DENY"
    assert "Kirjettä ei löydy" in response.text


def test_only_get_is_answered(work: Context, client: AsgiClient) -> None:
    _send(work, 2)
    for path in ("/archive/", LETTER, "/archive/fi.atom"):
        assert client.post(path).status_code == 405


def test_the_letter_alone_may_use_inline_styles(work: Context, client: AsgiClient) -> None:
    _send(work, 2)
    letter = client.get(LETTER)
    listing = client.get("/archive/")
    for response in (letter, listing, client.get("/archive/fi.atom")):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in letter.headers["content-security-policy"]
    assert "script-src" not in letter.headers["content-security-policy"]
    assert "unsafe-inline" not in listing.headers["content-security-policy"]
    assert "<script" not in letter.text.lower()


def test_the_catalogues_have_the_same_keys() -> None:
    folder = ROOT / "templates" / "web" / "archive" / "i18n"
    keys = [set(yaml.safe_load(p.read_text("utf-8"))) for p in sorted(folder.glob("*.yaml"))]
    assert len(keys) == 3
    assert keys[0] == keys[1] == keys[2]


def test_the_sent_revision_is_recorded_once(work: Context) -> None:
    _send(work, 2)
    _new_revision(work, _subject_fi(work), "Toinen otsikko")
    approve_edition(work, MONTH, "Kaisa Koordinaattori")
    add_contacts(work.engine, [person(50)])
    assert send_edition(work, MONTH).accepted == 1
    with work.engine.connect() as conn:
        recorded = conn.execute(
            sa.select(tables.editions.c.sent_revision).where(tables.editions.c.month == MONTH)
        ).scalar_one()
    assert recorded == 1


def test_the_migration_gives_editions_sent_before_it_their_approved_revision(
    engine: sa.Engine,
) -> None:
    from alembic import command

    from mailer.store.base import _alembic_config, migrate, utcnow

    at = utcnow()
    with engine.begin() as conn:
        conn.execute(
            sa.insert(tables.editions),
            [
                {"month": "2026-09", "sent_at": at, "created_at": at},
                {"month": "2026-10", "sent_at": None, "created_at": at},  # never sent
            ],
        )
        conn.execute(
            sa.insert(tables.edition_approvals),
            [
                {
                    "month": m,
                    "approved_by": "A",
                    "approved_at": at,
                    "content_hash": "x" * 64,
                    "revision": r,
                }
                for m, r in (("2026-09", 1), ("2026-09", 2), ("2026-10", 1))
            ],
        )
    try:
        command.downgrade(_alembic_config(engine), "0004")
    finally:
        migrate(engine)
    with engine.connect() as conn:
        rows = dict(
            conn.execute(sa.select(tables.editions.c.month, tables.editions.c.sent_revision)).all()
        )
    assert rows == {"2026-09": 2, "2026-10": None}


@pytest.mark.parametrize(
    ("footer", "expected"),
    [
        (
            '<p><a href="%%h:unsubscribe_url%%">Peru</a> · <a href="https://v.example/">v</a></p>',
            '<p><a href="https://v.example/">v</a></p>',
        ),
        (
            '<p><a href="https://v.example/">v</a> · <a href="%%h:profile_url%%">Päivitä</a></p>',
            '<p><a href="https://v.example/">v</a></p>',
        ),
        ('<p>A · <a href="%%h:profile_url%%">x</a> · B</p>', "<p>A · B</p>"),
        ('<p><a href="%%h:unsubscribe_url%%" style="c">Peru</a></p>', "<p></p>"),
    ],
)
def test_a_public_copy_drops_every_personal_link_and_its_separator(
    footer: str, expected: str
) -> None:
    assert public_copy(footer, {}) == expected


def test_a_public_copy_fills_tokens_escaped_and_empties_unknown_ones() -> None:
    html = "<p>Hei %%h:first_name%%, %%h:last_name%%%%h:future_field%%</p>"
    assert public_copy(html, {"first_name": "Ek & Co"}) == "<p>Hei Ek &amp; Co, </p>"


def test_a_template_change_after_the_send_never_changes_the_archive(
    work: Context, client: AsgiClient
) -> None:
    _send(work, 2)
    before = client.get(LETTER).text
    catalogue = work.settings.templates_dir / "i18n" / "fi.yaml"
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(text.replace("Ajankohtaista valtakunnallisesti", "Uusi otsikko"), "utf-8")
    assert client.get(LETTER).text == before


def test_an_edition_sent_before_copies_were_kept_is_rendered_from_its_sent_revision(
    work: Context, client: AsgiClient
) -> None:
    _send(work, 2)
    before = client.get(LETTER).text
    with work.engine.begin() as conn:
        assert conn.execute(sa.delete(tables.archived_letters)).rowcount == 10
    _new_revision(work, _subject_fi(work), "Myöhempi otsikko")
    assert client.get(LETTER).text == before
