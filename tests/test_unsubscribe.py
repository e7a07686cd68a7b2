"""The letter's unsubscribe link: RFC 8058 one-click POST as a mail client sends it, the GET
confirmation page for people (and link scanners), bad tokens, idempotence, the history record."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
import yaml

from mailer.core.models import ContactStatus
from mailer.core.tokens import make_unsubscribe_token
from mailer.pipeline import Context
from mailer.store.tables import contacts
from mailer.web.app import create_app
from tests.asgi_client import AsgiClient
from tests.conftest import ROOT
from tests.reports_data import T0, add_contact, history_rows, status_of

ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def client(ctx: Context) -> Iterator[AsgiClient]:
    app = create_app(ctx.settings, ctx)
    # No cookies, no redirects followed: what a mail client's one-click POST does (RFC 8058 3.1).
    test_client = AsgiClient(app)
    yield test_client
    test_client.close()


def _token(ctx: Context, contact_id: int) -> str:
    """The token of the contact's letters: its token key, signed."""
    with ctx.engine.connect() as conn:
        key = conn.execute(
            sa.select(contacts.c.token_key).where(contacts.c.id == contact_id)
        ).scalar_one()
    return make_unsubscribe_token(ctx.settings.secret_key.get_secret_value(), key)


def _contact(ctx: Context, language: str = "fi", **fields: object) -> int:
    with ctx.engine.begin() as conn:
        return add_contact(conn, f"{language}.person@espoo.example", language=language, **fields)


def test_one_click_post_unsubscribes_at_once_with_200_and_no_redirect(
    ctx: Context, client: AsgiClient
) -> None:
    contact = _contact(ctx)
    before = ctx.now()
    response = client.post(
        f"/u/{_token(ctx, contact)}", content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK
    )
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    assert status_of(ctx.engine, contact) == ContactStatus.UNSUBSCRIBED
    (record,) = history_rows(ctx.engine, contact)
    assert record["kind"] == "unsubscribed"
    assert record["source"] == "one-click"
    assert (record["old_status"], record["new_status"]) == ("active", "unsubscribed")
    assert before - timedelta(seconds=1) <= record["at"] <= ctx.now()
    assert "Tilaus on peruttu" in response.text


def test_one_click_post_as_multipart_form_data_works_too(ctx: Context, client: AsgiClient) -> None:
    contact = _contact(ctx)
    response = client.post(
        f"/u/{_token(ctx, contact)}", files={"List-Unsubscribe": (None, "One-Click")}
    )
    assert response.status_code == 200
    assert response.request.headers["content-type"].startswith("multipart/form-data")
    assert status_of(ctx.engine, contact) == ContactStatus.UNSUBSCRIBED
    assert history_rows(ctx.engine, contact)[0]["source"] == "one-click"


def test_one_click_body_under_another_content_type_is_still_one_click(
    ctx: Context, client: AsgiClient
) -> None:
    contact = _contact(ctx)
    response = client.post(
        f"/u/{_token(ctx, contact)}",
        content=b"List-Unsubscribe=One-Click\r\n",
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 200
    assert history_rows(ctx.engine, contact)[0]["source"] == "one-click"


def test_an_oversized_body_is_refused_and_changes_nothing(ctx: Context, client: AsgiClient) -> None:
    contact = _contact(ctx)
    body = b"List-Unsubscribe=One-Click&pad=" + b"x" * 70_000
    response = client.post(f"/u/{_token(ctx, contact)}", content=body, headers=ONE_CLICK)
    assert response.status_code == 413
    assert status_of(ctx.engine, contact) == ContactStatus.ACTIVE


def test_repeated_post_is_idempotent(ctx: Context, client: AsgiClient) -> None:
    contact = _contact(ctx)
    url = f"/u/{_token(ctx, contact)}"
    for _ in range(3):
        response = client.post(url, content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK)
        assert response.status_code == 200
    assert len(history_rows(ctx.engine, contact)) == 1


def test_the_pages_button_records_web_form_as_the_source(ctx: Context, client: AsgiClient) -> None:
    contact = _contact(ctx)
    response = client.post(f"/u/{_token(ctx, contact)}", data={})
    assert response.status_code == 200
    assert history_rows(ctx.engine, contact)[0]["source"] == "web-form"


def test_a_stale_contact_can_unsubscribe_too(ctx: Context, client: AsgiClient) -> None:
    contact = _contact(ctx, status="stale", status_changed_at=T0)
    client.post(
        f"/u/{_token(ctx, contact)}", content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK
    )
    assert status_of(ctx.engine, contact) == ContactStatus.UNSUBSCRIBED


@pytest.mark.parametrize(
    ("language", "title", "button"),
    [
        ("fi", "Haluatko lopettaa VIPU-kuukausikirjeen tilauksen?", "Peru tilaus"),
        ("sv", "Vill du sluta få VIPU-månadsbrevet?", "Avsluta prenumerationen"),
    ],
)
def test_get_shows_a_confirmation_page_in_the_contacts_language_and_changes_nothing(
    ctx: Context, client: AsgiClient, language: str, title: str, button: str
) -> None:
    contact = _contact(ctx, language)
    response = client.get(f"/u/{_token(ctx, contact)}")
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.text
    assert title in response.text
    assert button in response.text
    assert '<form method="post">' in response.text
    assert f"{language[0]}…@espoo.example" in response.text  # masked address
    # link scanners fetch every URL: a GET must never unsubscribe
    assert status_of(ctx.engine, contact) == ContactStatus.ACTIVE
    assert history_rows(ctx.engine, contact) == []


def test_get_after_unsubscribing_says_so(ctx: Context, client: AsgiClient) -> None:
    contact = _contact(ctx, "sv", status="unsubscribed")
    response = client.get(f"/u/{_token(ctx, contact)}")
    assert response.status_code == 200
    assert "redan tagits bort" in response.text
    assert "<form" not in response.text


def _bad_tokens(ctx: Context, contact: int) -> list[str]:
    good = _token(ctx, contact)
    secret = ctx.settings.secret_key.get_secret_value()
    # not the last character: its low bits are base64 padding, so a change there can decode alike
    flipped = good[:-5] + ("A" if good[-5] != "A" else "B") + good[-4:]
    other = make_unsubscribe_token(secret, "someone-elses-key-0000")
    return [
        make_unsubscribe_token("another-installations-key", contact),  # forged
        flipped,  # tampered signature
        good.replace(good.split(".")[0], other.split(".")[0]),  # swapped payload
        "not-a-token",
        other,  # well signed, but no such contact
        make_unsubscribe_token(secret, contact),  # the id: only for contacts from before keys
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_bad_tokens_answer_the_same_bilingual_404_and_change_nothing(
    ctx: Context, client: AsgiClient, method: str
) -> None:
    contact = _contact(ctx)
    bodies = set()
    for token in _bad_tokens(ctx, contact):
        response = client.request(
            method.upper(), f"/u/{token}", content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK
        )
        assert response.status_code == 404, token
        assert "Linkki ei ole voimassa" in response.text
        assert "Länken är inte giltig" in response.text
        bodies.add(response.text)
    assert len(bodies) == 1  # no hint whether a contact exists
    assert status_of(ctx.engine, contact) == ContactStatus.ACTIVE
    assert history_rows(ctx.engine, contact) == []


def test_pages_carry_security_headers(ctx: Context, client: AsgiClient) -> None:
    contact = _contact(ctx)
    for response in (client.get(f"/u/{_token(ctx, contact)}"), client.get("/u/forged")):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "script-src" not in csp  # no scripts at all (default-src 'none')


def test_public_strings_exist_in_both_languages_with_the_same_keys() -> None:
    folder = ROOT / "templates" / "web" / "i18n"
    fi = yaml.safe_load((folder / "fi.yaml").read_text(encoding="utf-8"))
    sv = yaml.safe_load((folder / "sv.yaml").read_text(encoding="utf-8"))
    assert set(fi) == set(sv)
    assert all(isinstance(v, str) and v.strip() for v in [*fi.values(), *sv.values()])
    assert {k for k in fi if fi[k] == sv[k]} == set()  # nothing left untranslated
