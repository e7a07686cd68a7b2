"""The old contact pages under /admin/: HTTP Basic against a password or a PBKDF2 hash, none at
all when unconfigured; the register pages; escaping; security headers. (The bounce report and the
editions report moved into the workspace: tests/test_bounces_page.py, tests/test_send_page.py.)"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from mailer.core.accounts.pbkdf2 import hash_password, verify_password
from mailer.core.errors import ConfigError
from mailer.core.models import ContactStatus
from mailer.pipeline import Context
from mailer.store.contacts import change_status
from mailer.web.admin import PAGE_SIZE
from mailer.web.app import create_app
from tests.asgi_client import AsgiClient
from tests.reports_data import T0, add_contact, build_scene

PASSWORD = "Kuukausikirje-2026!"
HASH = hash_password(
    PASSWORD, salt=os.urandom(16), iterations=1_000
)  # cheap for tests; the default is 600,000
ADMIN_PATHS = ["/admin/contacts"]

MakeClient = Callable[..., AsgiClient]


@pytest.fixture
def make_client(ctx: Context) -> Iterator[MakeClient]:
    made: list[AsgiClient] = []

    def make(**settings: Any) -> AsgiClient:
        configured = ctx.settings.model_copy(update=settings)
        made.append(AsgiClient(create_app(configured, Context(configured, ctx.engine))))
        return made[-1]

    yield make
    for client in made:
        client.close()


def _basic(user: str, password: str) -> dict[str, str]:
    raw = f"{user}:{password}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


GOOD = _basic("admin", PASSWORD)


@pytest.fixture
def admin(make_client: MakeClient) -> AsgiClient:
    return make_client(admin_password=SecretStr(PASSWORD))


@pytest.mark.parametrize("path", ADMIN_PATHS)
def test_without_credentials_the_answer_is_401_with_a_basic_challenge(
    admin: AsgiClient, path: str
) -> None:
    response = admin.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic realm=")
    assert PASSWORD not in response.text


@pytest.mark.parametrize(
    "headers",
    [
        _basic("admin", "wrong"),
        _basic("root", PASSWORD),
        _basic("admin", PASSWORD + " "),
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Bearer " + PASSWORD},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
    ],
)
def test_wrong_credentials_are_refused(admin: AsgiClient, headers: dict[str, str]) -> None:
    assert admin.get("/admin/contacts", headers=headers).status_code == 401


@pytest.mark.parametrize(
    "auth",
    [
        {"admin_password": SecretStr(PASSWORD)},
        {"admin_password_hash": SecretStr(HASH)},
        # the hash wins when both are set
        {"admin_password_hash": SecretStr(HASH), "admin_password": SecretStr("other")},
    ],
    ids=["plain", "hash", "both"],
)
def test_valid_credentials_open_every_admin_page(
    make_client: MakeClient, auth: dict[str, Any]
) -> None:
    client = make_client(**auth)
    for path in ADMIN_PATHS:
        assert client.get(path, headers=GOOD).status_code == 200, path


def test_non_ascii_passwords_work_as_utf8(make_client: MakeClient) -> None:
    client = make_client(
        admin_password_hash=SecretStr(
            hash_password("Åbo-ääkköset", salt=os.urandom(16), iterations=1000)
        )
    )
    assert client.get("/admin/contacts", headers=_basic("admin", "Åbo-ääkköset")).status_code == 200
    assert client.get("/admin/contacts", headers=_basic("admin", "Abo-aakkoset")).status_code == 401


@pytest.mark.parametrize("path", [*ADMIN_PATHS, "/admin/contacts/1"])
def test_no_admin_routes_at_all_when_no_password_is_configured(
    make_client: MakeClient, path: str
) -> None:
    client = make_client(admin_password=None, admin_password_hash=None)
    response = client.get(path, headers=GOOD)
    assert response.status_code == 404
    assert "www-authenticate" not in response.headers


def test_a_malformed_hash_that_slipped_past_start_up_is_a_500_that_echoes_nothing(
    make_client: MakeClient,
) -> None:
    # `serve` refuses it at start-up (tests/test_startup_checks.py); the app never shows it
    client = make_client(admin_password_hash=SecretStr("md5$abc-secret-part"))
    response = client.get("/admin/contacts", headers=GOOD)
    assert response.status_code == 500
    assert "abc-secret-part" not in response.text and "md5" not in response.text


def test_hash_round_trip_and_format() -> None:
    encoded = hash_password("salasana", salt=os.urandom(16), iterations=2_000)
    scheme, iterations, salt, digest = encoded.split("$")
    assert (scheme, iterations) == ("pbkdf2_sha256", "2000")
    assert salt and digest
    assert verify_password("salasana", encoded)
    assert not verify_password("Salasana", encoded)
    # a different salt gives a different hash of the same password
    assert hash_password("salasana", salt=os.urandom(16), iterations=2_000) != encoded
    with pytest.raises(ConfigError):
        verify_password("x", "pbkdf2_sha256$many$salt$hash")


def test_admin_pages_carry_security_headers(admin: AsgiClient) -> None:
    for path in ADMIN_PATHS:
        headers = admin.get(path, headers=GOOD).headers
        assert headers["cache-control"] == "no-store"
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "style-src 'sha256-" in headers["content-security-policy"]


def test_roster_text_is_escaped_on_admin_pages(ctx: Context, admin: AsgiClient) -> None:
    with ctx.engine.begin() as conn:
        add_contact(
            conn,
            "x@espoo.example",
            organisation="<script>alert(1)</script>",
            org_type="private",
            status="stale",
        )
    for path in ("/admin/contacts",):
        page = admin.get(path, headers=GOOD).text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_register_filters_and_pages(ctx: Context, admin: AsgiClient) -> None:
    with ctx.engine.begin() as conn:
        for i in range(PAGE_SIZE + 5):
            add_contact(conn, f"person{i:03}@oulu.example", region="oys", municipality="564")
        add_contact(conn, "ruotsi@vasa.example", region="tyks", language="sv", status="stale")
    first = admin.get("/admin/contacts?region=oys", headers=GOOD).text
    assert f"{PAGE_SIZE + 5} contacts" in first
    assert first.count("@oulu.example</td>") == PAGE_SIZE
    assert "ruotsi@vasa.example" not in first
    assert "page=2" in first
    second = admin.get("/admin/contacts?region=oys&page=2", headers=GOOD).text
    assert second.count("@oulu.example</td>") == 5
    stale_sv = admin.get("/admin/contacts?status=stale&language=sv", headers=GOOD).text
    assert "ruotsi@vasa.example" in stale_sv
    assert "1 contact" in stale_sv
    searched = admin.get("/admin/contacts?q=PERSON007", headers=GOOD).text
    assert "person007@oulu.example" in searched
    assert "1 contact" in searched
    assert admin.get("/admin/contacts?status=gone", headers=GOOD).status_code == 400


def test_contact_page_shows_history_with_source_and_evidence(
    ctx: Context, admin: AsgiClient
) -> None:
    scene = build_scene(ctx.engine)
    with ctx.engine.begin() as conn:
        change_status(
            conn,
            scene.suspect_streak,
            ContactStatus.UNSUBSCRIBED,
            at=T0,
            kind="unsubscribed",
            source="one-click",
        )
    page = admin.get(f"/admin/contacts/{scene.suspect_streak}", headers=GOOD).text
    assert "mikko.korhonen@vantaa.example" in page
    assert "active → unsubscribed" in page
    assert "<td>one-click</td>" in page
    stale = admin.get(f"/admin/contacts/{scene.stale}", headers=GOOD).text
    assert "<code>5.1.1</code>" in stale
    assert "2026-03" in stale
    assert admin.get("/admin/contacts/999999", headers=GOOD).status_code == 404
