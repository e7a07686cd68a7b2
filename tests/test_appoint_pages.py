"""The appointment link's public pages in-process, on SQLite and PostgreSQL: the form in fi and
sv, field errors, the form token, rate limits, the appointees' confirmation letters, the
confirmation (GET never changes anything) and the pending contact it makes."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest
import sqlalchemy as sa

from mailer.core.accounts import AuditAction, UserRole
from mailer.core.models import ContactStatus
from mailer.pipeline.appointments.requests import (
    REQUEST_LIFETIME,
    appointment_link,
    list_requests,
    request_appointments,
)
from mailer.pipeline.audit import audit_page
from mailer.pipeline.contacts import unsubscribe_contact
from mailer.pipeline.roster import import_rosters
from mailer.store.tables import contacts
from mailer.web.app import create_app
from mailer.web.appoint import POSTS
from tests.accounts_support import (
    Browser,
    ClockContext,
    cheap_hashing,
    clock_ctx,
    csrf_of,
    make_browser,
    make_user,
)
from tests.asgi_client import AsgiClient

__all__ = ["cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

ROSTER = (
    "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta;Kirjaamo\n"
    "Aino;Aalto;aino.aalto@espoo.example;Espoon kaupunki;049;kirjaamo@espoo.example\n"
)
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@pytest.fixture
def client(clock_ctx: ClockContext) -> Iterator[AsgiClient]:
    made = AsgiClient(create_app(clock_ctx.settings, clock_ctx))
    yield made
    made.close()


@pytest.fixture
def link(clock_ctx: ClockContext, tmp_path: Path) -> str:
    roster = tmp_path / "rosteri.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    import_rosters(clock_ctx, [roster])
    unsubscribe_contact(clock_ctx, "aino.aalto@espoo.example", note="left")
    request_appointments(clock_ctx)
    [request] = list_requests(clock_ctx)
    return appointment_link(clock_ctx, request.request_id).removeprefix(
        clock_ctx.settings.public_url
    )


def _letters(ctx: ClockContext, to: str) -> list[Message]:
    found = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in ctx.settings.outbox_dir.rglob("*.eml")
    ]
    return [m for m in found if to in m["To"]]


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode("utf-8")
    raise AssertionError("no text part")


def _form(client: AsgiClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    found = FORM_TOKEN.search(page.text)
    assert found is not None
    return found.group(1)


PEOPLE = {
    "support_first_name": "Sanna",
    "support_last_name": "Seuraaja",
    "support_email": "sanna.seuraaja@espoo.example",
    "support_language": "fi",
    "welfare_first_name": "Vilja",
    "welfare_last_name": "Vård",
    "welfare_email": "vilja.vard@esbo.example",
    "welfare_language": "sv",
}


def _status(ctx: ClockContext, address: str) -> ContactStatus | None:
    with ctx.engine.connect() as conn:
        value = conn.execute(
            sa.select(contacts.c.status).where(contacts.c.email == address)
        ).scalar_one_or_none()
    return ContactStatus(value) if value else None


def test_the_form_is_in_finnish_and_swedish_and_names_the_organisation(
    client: AsgiClient, link: str
) -> None:
    finnish = client.get(link)
    swedish = client.get(link + "?lang=sv")
    assert '<html lang="fi">' in finnish.text and "Espoon kaupunki" in finnish.text
    assert (
        '<html lang="sv">' in swedish.text and "Utnämning av VIPU-kontaktpersoner" in swedish.text
    )
    assert finnish.headers["Cache-Control"] == "no-store"


def test_appointing_two_people_mails_each_a_confirmation_in_their_language(
    client: AsgiClient, link: str, clock_ctx: ClockContext
) -> None:
    token = _form(client, link)
    done = client.post(link, data={**PEOPLE, "form_token": token, "lang": "fi"})
    assert done.status_code == 200 and "Kiitos" in done.text
    [finnish] = _letters(clock_ctx, "sanna.seuraaja@espoo.example")
    [swedish] = _letters(clock_ctx, "vilja.vard@esbo.example")
    assert "Vahvista" in finnish["Subject"] and "Bekräfta" in swedish["Subject"]
    # nobody is in the register until they confirm
    assert _status(clock_ctx, "sanna.seuraaja@espoo.example") is None
    actions = [row.action for row in audit_page(clock_ctx).rows]
    assert AuditAction.APPOINTED in actions and AuditAction.APPOINTMENT_REQUESTED in actions


def test_confirming_makes_a_pending_contact_and_opening_the_link_changes_nothing(
    client: AsgiClient, link: str, clock_ctx: ClockContext
) -> None:
    client.post(link, data={**PEOPLE, "form_token": _form(client, link), "lang": "fi"})
    [letter] = _letters(clock_ctx, "vilja.vard@esbo.example")
    url = re.search(r"https?://\S+/appoint/confirm/\S+", _text(letter))
    assert url is not None
    path = url.group(0).removeprefix(clock_ctx.settings.public_url)
    page = client.get(path)
    assert '<html lang="sv">' in page.text  # the appointee's own language
    assert _status(clock_ctx, "vilja.vard@esbo.example") is None  # GET changed nothing
    token = FORM_TOKEN.search(page.text)
    assert token is not None
    done = client.post(path, data={"form_token": token.group(1), "lang": "sv"})
    assert done.status_code == 200 and "bekräftat" in done.text
    assert _status(clock_ctx, "vilja.vard@esbo.example") is ContactStatus.PENDING
    again = client.post(path, data={"form_token": token.group(1), "lang": "sv"})
    assert "redan" in again.text  # used once; nothing more happens


def test_a_missing_name_and_a_bad_address_are_named_and_nothing_is_stored(
    client: AsgiClient, link: str, clock_ctx: ClockContext
) -> None:
    data = {**PEOPLE, "support_first_name": "", "welfare_email": "ei osoite", "lang": "fi"}
    page = client.post(link, data={**data, "form_token": _form(client, link)})
    assert page.status_code == 400
    assert 'id="support_first_name" name="support_first_name"' in page.text
    assert 'aria-describedby="support_first_name-error"' in page.text
    assert 'aria-describedby="welfare_email-error"' in page.text
    assert 'value="Seuraaja"' in page.text  # the rest of the input is kept
    assert _letters(clock_ctx, "sanna.seuraaja@espoo.example") == []


def test_a_post_without_the_form_token_is_refused(
    client: AsgiClient, link: str, clock_ctx: ClockContext
) -> None:
    refused = client.post(link, data={**PEOPLE, "form_token": "x" * 64})
    assert refused.status_code == 403
    assert _letters(clock_ctx, "sanna.seuraaja@espoo.example") == []


def test_unknown_forged_and_ended_links_get_the_same_page(
    client: AsgiClient, link: str, clock_ctx: ClockContext
) -> None:
    forged = client.get(link[:-3] + "abc")
    unknown = client.get("/appoint/not-a-token")
    clock_ctx.advance(seconds=(REQUEST_LIFETIME + timedelta(minutes=1)).total_seconds())
    ended = client.get(link)
    assert {forged.status_code, unknown.status_code, ended.status_code} == {404}
    assert forged.text == unknown.text == ended.text


def test_posts_are_rate_limited_per_link(client: AsgiClient, link: str) -> None:
    token = _form(client, link)
    data = {**PEOPLE, "support_email": "bad", "form_token": token}
    # a post is counted before it is answered: the one that reaches the limit is refused
    allowed = POSTS.max_failures - 1
    answers = [client.post(link, data=data).status_code for _ in range(allowed + 2)]
    assert answers[:allowed] == [400] * allowed
    assert answers[allowed:] == [429, 429]
    assert client.get(link).status_code == 200  # reading the form is never limited


# --- the workspace page -----------------------------------------------------------------------


@pytest.fixture
def staff(clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, "kaisa.koordinaattori@vip.example", UserRole.COORDINATOR)
    make_user(clock_ctx, "aarne.admin@vip.example", UserRole.ADMIN)


@pytest.mark.usefixtures("cheap_hashing", "staff")
def test_a_coordinator_sees_who_would_be_asked_and_asks_them(
    make_browser: Callable[..., Browser], clock_ctx: ClockContext, tmp_path: Path
) -> None:
    roster = tmp_path / "rosteri.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    import_rosters(clock_ctx, [roster])
    unsubscribe_contact(clock_ctx, "aino.aalto@espoo.example", note="left")
    browser = make_browser()
    browser.log_in("kaisa.koordinaattori@vip.example")
    page = browser.get("/appointments")
    assert page.status_code == 200
    assert "Espoon kaupunki" in page.text and "kirjaamo@espoo.example" in page.text
    assert browser.post("/appointments/request", {}).status_code == 403  # no CSRF token
    assert list_requests(clock_ctx) == []
    sent = browser.post("/appointments/request", {"csrf_token": csrf_of(page.text)})
    assert sent.status_code == 303 and sent.headers["location"] == "/appointments?sent=1"
    [request] = list_requests(clock_ctx)
    assert request.requested_by == "kaisa.koordinaattori@vip.example"
    after = browser.get("/appointments?sent=1")
    assert "Lähetetty 1 pyyntöä." in after.text
    assert "Kenellekään ei ole nyt lähetettävää pyyntöä." in after.text  # asked once a month


@pytest.mark.usefixtures("cheap_hashing", "staff")
def test_an_admin_without_the_register_permission_is_refused(
    make_browser: Callable[..., Browser],
) -> None:
    browser = make_browser()
    browser.log_in("aarne.admin@vip.example")
    assert browser.get("/appointments").status_code == 403


def test_an_appointee_already_in_the_register_keeps_their_status_and_history(
    client: AsgiClient, link: str, clock_ctx: ClockContext
) -> None:
    # the former contact, unsubscribed, is appointed again: a rejection of a pending row must
    # never be able to delete their record and its unsubscribe
    data = {
        "support_first_name": "Aino",
        "support_last_name": "Aalto",
        "support_email": "aino.aalto@espoo.example",
        "support_language": "fi",
        "lang": "fi",
    }
    client.post(link, data={**data, "form_token": _form(client, link)})
    [letter] = _letters(clock_ctx, "aino.aalto@espoo.example")
    url = re.search(r"https?://\S+/appoint/confirm/\S+", _text(letter))
    assert url is not None
    path = url.group(0).removeprefix(clock_ctx.settings.public_url)
    token = FORM_TOKEN.search(client.get(path).text)
    assert token is not None
    done = client.post(path, data={"form_token": token.group(1), "lang": "fi"})
    assert done.status_code == 200
    assert _status(clock_ctx, "aino.aalto@espoo.example") is ContactStatus.UNSUBSCRIBED
