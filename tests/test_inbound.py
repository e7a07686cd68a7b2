"""Mail to the unsubscribe address through SendGrid Inbound Parse: real-shaped multipart posts
(parsed fields, and the raw MIME message), the secret in the URL, tokens in the subject, and the
messages kept for a coordinator. Storage on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from typer.testing import CliRunner

from mailer.cli import app as cli_app
from mailer.core.inbound import InboundOutcome, find_token, mail_from_form
from mailer.core.models import ContactStatus
from mailer.core.tokens import make_unsubscribe_token
from mailer.pipeline import Context
from mailer.pipeline.inbound import open_messages
from mailer.store.tables import contacts
from mailer.web.app import create_app
from tests.asgi_client import AsgiClient
from tests.reports_data import add_contact, history_rows, status_of

SECRET = "inbound-secret-for-tests-0123456789"
URL = f"/webhooks/inbound/{SECRET}"


@pytest.fixture
def inbound_ctx(ctx: Context) -> Context:
    settings = ctx.settings.model_copy(update={"inbound_secret": SecretStr(SECRET)})
    return Context(settings, ctx.engine)


@pytest.fixture
def client(inbound_ctx: Context) -> Iterator[AsgiClient]:
    test_client = AsgiClient(create_app(inbound_ctx.settings, inbound_ctx))
    yield test_client
    test_client.close()


def _contact(ctx: Context) -> int:
    with ctx.engine.begin() as conn:
        return add_contact(conn, "aino@espoo.example")


def _token(ctx: Context, contact_id: int) -> str:
    """The token of the contact's letters: its token key, signed."""
    with ctx.engine.connect() as conn:
        key = conn.execute(
            sa.select(contacts.c.token_key).where(contacts.c.id == contact_id)
        ).scalar_one()
    return make_unsubscribe_token(ctx.settings.secret_key.get_secret_value(), key)


def parsed_post(subject: str, *, sender: str = "Aino <aino@espoo.example>") -> dict[str, str]:
    """The text fields Inbound Parse posts for a parsed message (its documented default set)."""
    return {
        "headers": f"From: {sender}\nTo: unsubscribe@vip-verkosto.example\nSubject: {subject}\n",
        "dkim": "{@espoo.example : pass}",
        "to": "unsubscribe@vip-verkosto.example",
        "from": sender,
        "subject": subject,
        "text": "Lähetetty puhelimesta\n",
        "html": "<p>Lähetetty puhelimesta</p>",
        "sender_ip": "192.0.2.10",
        "spam_report": "Spam detection software has NOT identified this incoming email as spam.",
        "envelope": json.dumps(
            {"to": ["unsubscribe@vip-verkosto.example"], "from": "aino@espoo.example"}
        ),
        "attachments": "0",
        "spam_score": "0.1",
        "charsets": json.dumps(
            {"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8", "text": "utf-8"}
        ),
        "SPF": "pass",
    }


def _post(client: AsgiClient, fields: dict[str, str], url: str = URL) -> tuple[int, dict[str, str]]:
    # multipart/form-data, as Inbound Parse sends it (a file part forces multipart encoding)
    response = client.post(url, data=fields, files={"attachment-info": ("", b"", "text/plain")})
    return response.status_code, response.json()


def test_a_valid_token_in_the_subject_unsubscribes_the_contact(
    inbound_ctx: Context, client: AsgiClient
) -> None:
    contact = _contact(inbound_ctx)
    status, body = _post(client, parsed_post(f"unsubscribe-{_token(inbound_ctx, contact)}"))
    assert (status, body) == (200, {"outcome": "unsubscribed"})
    assert status_of(inbound_ctx.engine, contact) == ContactStatus.UNSUBSCRIBED
    (record,) = history_rows(inbound_ctx.engine, contact)
    assert (record["kind"], record["source"]) == ("unsubscribed", "mail")


def test_a_reply_with_a_prefixed_subject_as_raw_mime_works_too(
    inbound_ctx: Context, client: AsgiClient
) -> None:
    contact = _contact(inbound_ctx)
    raw = (
        "From: =?utf-8?q?Aino_M=C3=A4kel=C3=A4?= <aino@espoo.example>\r\n"
        "To: unsubscribe@vip-verkosto.example\r\n"
        f"Subject: Re: unsubscribe-{_token(inbound_ctx, contact)}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nKiitos\r\n"
    )
    status, body = _post(client, {"email": raw, "envelope": "{}", "to": "x", "from": "y"})
    assert (status, body) == (200, {"outcome": "unsubscribed"})
    assert status_of(inbound_ctx.engine, contact) == ContactStatus.UNSUBSCRIBED


def test_a_repeated_message_changes_nothing_more(inbound_ctx: Context, client: AsgiClient) -> None:
    contact = _contact(inbound_ctx)
    fields = parsed_post(f"unsubscribe-{_token(inbound_ctx, contact)}")
    assert _post(client, fields)[1] == {"outcome": "unsubscribed"}
    assert _post(client, fields)[1] == {"outcome": "already"}
    assert len(history_rows(inbound_ctx.engine, contact)) == 1


@pytest.mark.parametrize(
    ("subject", "reason"),
    [
        ("Poistakaa minut listalta", "no unsubscribe token in the subject"),
        ("unsubscribe-MQ.forged-signature", "token not valid"),
    ],
)
def test_mail_without_a_valid_token_is_kept_for_a_coordinator(
    inbound_ctx: Context,
    client: AsgiClient,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    subject: str,
    reason: str,
) -> None:
    contact = _contact(inbound_ctx)
    assert _post(client, parsed_post(subject)) == (200, {"outcome": "kept"})
    assert status_of(inbound_ctx.engine, contact) == ContactStatus.ACTIVE  # From is not proof
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    monkeypatch.setenv("MAILER_VAR_DIR", str(tmp_path / "var"))
    listed = CliRunner().invoke(cli_app, ["inbound", "list", "--json"])
    assert listed.exit_code == 0, listed.stderr
    [message] = json.loads(listed.stdout)
    assert (message["subject"], message["reason"], message["outcome"]) == (subject, reason, "kept")
    assert message["envelope_from"] == "aino@espoo.example"
    assert "puhelimesta" in message["text"]
    done = CliRunner().invoke(
        cli_app, ["inbound", "resolve", str(message["id"]), "--note", "soitettu", "--by", "Kaisa"]
    )
    assert done.exit_code == 0, done.stderr
    assert json.loads(CliRunner().invoke(cli_app, ["inbound", "list", "--json"]).stdout) == []
    again = CliRunner().invoke(cli_app, ["inbound", "resolve", str(message["id"]), "--note", "x"])
    assert again.exit_code == 1


def test_a_wrong_secret_is_refused_and_stores_nothing(
    inbound_ctx: Context, client: AsgiClient
) -> None:
    contact = _contact(inbound_ctx)
    fields = parsed_post(f"unsubscribe-{_token(inbound_ctx, contact)}")
    assert _post(client, fields, url="/webhooks/inbound/guess")[0] == 403
    assert status_of(inbound_ctx.engine, contact) == ContactStatus.ACTIVE
    assert open_messages(inbound_ctx, include_handled=True) == []


def test_without_the_setting_the_route_does_not_exist(ctx: Context) -> None:
    plain = AsgiClient(create_app(ctx.settings, ctx))
    try:
        assert _post(plain, parsed_post("x"))[0] == 404
    finally:
        plain.close()


def test_a_body_over_the_limit_answers_413_even_when_chunked(
    inbound_ctx: Context, client: AsgiClient
) -> None:
    limit = inbound_ctx.settings.inbound_max_body

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: a chunked body
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536

    response = client.post(
        URL, content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert response.status_code == 413


def test_an_unreadable_form_is_recorded_not_dropped(
    inbound_ctx: Context, client: AsgiClient
) -> None:
    response = client.post(
        URL, content=b"--b\r\nbroken", headers={"Content-Type": "multipart/form-data"}
    )
    assert (response.status_code, response.json()) == (200, {"outcome": "kept"})
    [kept] = open_messages(inbound_ctx)
    assert kept.outcome is InboundOutcome.KEPT
    assert kept.reason is not None and kept.reason.startswith("unreadable form")


@pytest.mark.parametrize(
    ("subject", "token"),
    [
        ("unsubscribe-MQ.abc_DEF-1", "MQ.abc_DEF-1"),
        ("Re: [EXT] UNSUBSCRIBE-MQ.sig", "MQ.sig"),
        ("VS: unsubscribe MQ.sig", "MQ.sig"),
        ("unsubscribe", None),
        ("unsubscribe-nodot", None),
        ("Hei, en halua enää kirjeitä", None),
    ],
)
def test_the_token_is_found_wherever_clients_put_the_subject(
    subject: str, token: str | None
) -> None:
    assert find_token(subject) == token


def test_fields_are_bounded_and_cleaned() -> None:
    mail = mail_from_form(
        {"from": "a\x00b", "subject": "s" * 5000, "text": "t" * 50_000, "envelope": "not json"}
    )
    assert mail.sender == "ab"
    assert len(mail.subject) == 998
    assert len(mail.text) == 10_000
    assert mail.envelope_from == ""
