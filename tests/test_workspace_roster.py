"""Roster upload in the workspace, in-process on both backends: the same importer as the CLI,
a preview that writes nothing, a commit that writes exactly the preview (or shows the new plan
when the register changed), the problems table, the upload's own size bound, roles, CSRF."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Callable

import httpx
import openpyxl
import pytest
import sqlalchemy as sa

from mailer.core.accounts import AuditAction, UserRole
from mailer.pipeline.audit import audit_page
from mailer.store.tables import contacts, roster_uploads
from tests.accounts_support import (
    Browser,
    ClockContext,
    browser,
    cheap_hashing,
    clock_ctx,
    csrf_of,
    make_browser,
    make_user,
)
from tests.reports_data import add_contact

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

pytestmark = pytest.mark.usefixtures("cheap_hashing")

ADMIN = "aino.admin@vip.example"
COORDINATOR = "kaisa.koordinaattori@vip.example"
APPROVER = "bo.godkannare@vip.example"
HEADER = "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta"
ROSTER = (
    f"{HEADER}\n"
    "Aino;Aalto;aino.aalto@espoo.example;Espoon kaupunki;049\n"
    "Bo;Berg;bo.berg@vanda.example;Vantaan kaupunki;092\n"
    "Cai;Carlsson;not-an-address;Kauniaisten kaupunki;235\n"
)


@pytest.fixture
def people(clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, ADMIN, UserRole.ADMIN)
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR)
    make_user(clock_ctx, APPROVER, UserRole.APPROVER)


def _logged_in(browser: Browser, email: str = COORDINATOR) -> Browser:
    assert browser.log_in(email).status_code == 303
    return browser


def _upload(
    browser: Browser, content: bytes, name: str = "vipu-rosteri.csv", token: str | None = None
) -> httpx.Response:
    if token is None:
        token = csrf_of(browser.get("/roster").text)
    files = {"file": (name, content, "text/csv")}
    response = browser.client.post(
        "/roster/upload", data={"csrf_token": token}, files=files, headers=browser.jar.headers()
    )
    return browser.jar.take(response)


def _register(browser: Browser) -> dict[str, str]:
    with browser.context.engine.connect() as conn:
        rows = conn.execute(sa.select(contacts.c.email, contacts.c.organisation))
        return {str(e): str(o) for e, o in rows}


def _commit(browser: Browser, preview: str) -> httpx.Response:
    action = re.search(r'action="(/roster/[^/"]+/commit)"', preview)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', preview)
    assert action is not None and digest is not None
    return browser.post(
        action.group(1), {"csrf_token": csrf_of(preview), "digest": digest.group(1)}
    )


def test_the_upload_form_is_for_those_who_manage_contacts(
    browser: Browser, make_browser: Callable[..., Browser], people: None
) -> None:
    page = _logged_in(browser).get("/roster")
    assert page.status_code == 200
    assert '<label for="roster-file">' in page.text and 'enctype="multipart/form-data"' in page.text
    assert 'href="/roster" aria-current="page"' in page.text
    admin = _logged_in(make_browser(), ADMIN)
    assert admin.get("/roster").status_code == 403
    assert 'href="/roster"' not in admin.get("/contacts").text


def test_the_preview_shows_problems_and_the_plan_and_writes_nothing(
    browser: Browser, people: None
) -> None:
    _logged_in(browser)
    response = _upload(browser, ROSTER.encode("utf-8"))
    assert response.status_code == 303
    preview = browser.get(response.headers["location"])
    assert preview.status_code == 200
    html = preview.text
    assert '<span class="n roster-created">2</span>' in html
    problem = re.search(r'<table class="problems">.*?</table>', html, re.S)
    assert problem is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", problem.group(0))
    assert cells[:3] == ["vipu-rosteri.csv", "4", "Sähköposti"]
    assert "aino.aalto@espoo.example" in html and "bo.berg@vanda.example" in html
    assert _register(browser) == {}
    assert audit_page(browser.context, action=AuditAction.ROSTER_IMPORT).total == 0


def test_the_commit_writes_exactly_the_preview_and_is_audited(
    browser: Browser, people: None
) -> None:
    with browser.context.engine.begin() as conn:
        add_contact(conn, "bo.berg@vanda.example", first_name="Bo", last_name="Berg",
                    organisation="Vanda stad", municipality="092")  # fmt: skip
    _logged_in(browser)
    preview = browser.get(_upload(browser, ROSTER.encode()).headers["location"]).text
    assert '<span class="n roster-updated">1</span>' in preview
    updated = re.search(r'<table class="updated">.*?</table>', preview, re.S)
    assert updated is not None
    assert "Vanda stad" in updated.group(0) and "Vantaan kaupunki" in updated.group(0)
    done = _commit(browser, preview)
    assert done.status_code == 200
    assert '<span class="roster-created">1</span>' in done.text
    assert _register(browser) == {
        "aino.aalto@espoo.example": "Espoon kaupunki",
        "bo.berg@vanda.example": "Vantaan kaupunki",
    }
    entry = audit_page(browser.context, action=AuditAction.ROSTER_IMPORT).rows[0]
    assert entry.actor == COORDINATOR and entry.target == "roster:vipu-rosteri.csv"
    assert "created 1, updated 1" in entry.detail
    with browser.context.engine.connect() as conn:
        left = conn.execute(sa.select(sa.func.count()).select_from(roster_uploads)).scalar_one()
    assert left == 0
    again = _commit(browser, preview)
    assert again.status_code == 404 and 'id="roster-file-error"' in again.text


def test_a_register_changed_since_the_preview_is_shown_again_and_nothing_is_written(
    browser: Browser, people: None
) -> None:
    _logged_in(browser)
    preview = browser.get(_upload(browser, ROSTER.encode()).headers["location"]).text
    with browser.context.engine.begin() as conn:  # another coordinator's import, meanwhile
        add_contact(conn, "aino.aalto@espoo.example", organisation="Esbo stad")
    changed = _commit(browser, preview)
    assert changed.status_code == 409
    assert 'role="alert"' in changed.text
    assert '<span class="n roster-created">1</span>' in changed.text
    assert _register(browser) == {"aino.aalto@espoo.example": "Esbo stad"}
    done = _commit(browser, changed.text)
    assert done.status_code == 200
    assert _register(browser)["aino.aalto@espoo.example"] == "Espoon kaupunki"


def test_the_same_person_twice_is_shown_as_a_conflict(browser: Browser, people: None) -> None:
    twice = ROSTER + "Aino;Aalto;AINO.AALTO@espoo.example;Esbo stad;049\n"
    _logged_in(browser)
    preview = browser.get(_upload(browser, twice.encode()).headers["location"]).text
    table = re.search(r'<table class="conflicts">.*?</table>', preview, re.S)
    assert table is not None
    assert "Espoon kaupunki" in table.group(0) and "Esbo stad" in table.group(0)


def test_an_xlsx_roster_is_read_by_the_same_importer(browser: Browser, people: None) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Förnamn", "Efternamn", "E-post", "Organisation", "Kommun", "Språk"])
    sheet.append(["Stina", "Lind", "stina.lind@borga.example", "Borgå stad", "638", "sv"])
    out = io.BytesIO()
    book.save(out)
    _logged_in(browser)
    response = _upload(browser, out.getvalue(), name="namnlista.xlsx")
    preview = browser.get(response.headers["location"]).text
    assert "stina.lind@borga.example" in preview
    assert _commit(browser, preview).status_code == 200
    assert _register(browser) == {"stina.lind@borga.example": "Borgå stad"}


def test_an_upload_over_the_bound_is_refused_with_a_clear_page(
    make_browser: Callable[..., Browser], people: None
) -> None:
    browser = _logged_in(make_browser(roster_max_upload=65_536))
    big = (HEADER + "\n" + "Aino;Aalto;a@espoo.example;Espoon kaupunki;049\n" * 2000).encode()
    response = _upload(browser, big)
    assert response.status_code == 413
    assert "64 KiB" in response.text and 'id="roster-file-error"' in response.text
    with browser.context.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(roster_uploads)).scalar_one() == 0
        )


def test_a_chunked_upload_over_the_bound_is_counted_as_it_arrives(
    make_browser: Callable[..., Browser], people: None
) -> None:
    browser = _logged_in(make_browser(roster_max_upload=65_536))
    token = csrf_of(browser.get("/roster").text)
    boundary = "vipu-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked
        yield head
        for _ in range(10):
            yield b"x" * 16 * 1024

    headers = browser.jar.headers({"Content-Type": f"multipart/form-data; boundary={boundary}"})
    response = browser.client.post("/roster/upload", content=chunks(), headers=headers)
    assert response.status_code == 413 and 'id="roster-file-error"' in response.text
    with browser.context.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(roster_uploads)).scalar_one() == 0
        )


def test_other_posts_keep_the_public_bound(browser: Browser, people: None) -> None:
    _logged_in(browser)
    token = csrf_of(browser.get("/roster").text)
    response = browser.post("/roster/x/discard", {"csrf_token": token, "pad": "x" * 70_000})
    assert response.status_code == 413


def test_the_upload_needs_a_csrf_token(browser: Browser, people: None) -> None:
    _logged_in(browser)
    assert _upload(browser, ROSTER.encode(), token="forged").status_code == 403
    with browser.context.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(roster_uploads)).scalar_one() == 0
        )


def test_an_upload_is_only_its_uploaders_and_expires(
    browser: Browser, make_browser: Callable[..., Browser], people: None
) -> None:
    _logged_in(browser)
    location = _upload(browser, ROSTER.encode()).headers["location"]
    other = _logged_in(make_browser(), APPROVER)
    assert other.get(location).status_code == 404
    browser.context.advance(hours=3)
    _logged_in(browser)  # the session idled out too
    assert browser.get(location).status_code == 404


def test_an_empty_post_asks_for_a_file(browser: Browser, people: None) -> None:
    _logged_in(browser)
    token = csrf_of(browser.get("/roster").text)
    response = browser.client.post(
        "/roster/upload", data={"csrf_token": token}, files={"x": ("", b"", "text/plain")},
        headers=browser.jar.headers(),
    )  # fmt: skip
    assert response.status_code == 400 and 'aria-invalid="true"' in response.text
