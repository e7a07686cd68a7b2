"""The bounce report in the workspace (it was /admin/bounces) and the old /admin/ URLs, in-process
on both backends: who may see it, filters, escaping, neutralised downloads, and the redirects
(303 to the new page, or to /login without a session)."""

from __future__ import annotations

import pytest

from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline import Context
from tests.accounts_support import (
    Browser,
    ClockContext,
    browser,
    cheap_hashing,
    clock_ctx,
    make_browser,
    make_user,
)
from tests.reports_data import add_contact, build_scene
from tests.sending_support import ADMIN, APPROVER, COORDINATOR, add_people

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture
def people(clock_ctx: ClockContext) -> None:
    add_people(clock_ctx)


@pytest.mark.parametrize(
    ("lang", "title"),
    [("fi", "Palautuvat osoitteet"), ("sv", "Studsande adresser"), ("en", "Bounce report")],
)
def test_the_bounce_report_lists_stale_contacts_with_evidence_and_orphaned_organisations(
    browser: Browser, ctx: Context, people: None, lang: str, title: str
) -> None:
    email = f"aada.{lang}@vip.example"
    make_user(ctx, email, UserRole.ADMIN, language=UiLanguage(lang))
    build_scene(ctx.engine)
    browser.log_in(email)
    response = browser.get("/bounces")
    assert response.status_code == 200
    page = response.text
    assert f'<html lang="{lang}">' in page and f"<h1>{title}</h1>" in page
    assert 'href="/bounces" aria-current="page"' in page
    assert "anna.virtanen@espoo.example" in page
    assert "<code>5.1.1</code>" in page
    assert "550 5.1.1 The email account does not exist" in page
    assert "Borgå stad" in page  # an organisation left without an active contact
    assert "liisa.nieminen@kauniainen.example" in page  # suspect
    assert "karin.lindqvist@borga.example" in page  # listed under Borgå's former contacts
    assert '<span class="n stale-total">2</span>' in page
    only_tyks = browser.get("/bounces?region=tyks").text
    assert "pekka.salo@turku.example" in only_tyks
    assert "anna.virtanen@espoo.example" not in only_tyks


@pytest.mark.parametrize("query", ["region=nowhere", "since=yesterday"])
def test_bad_report_filters_are_400(browser: Browser, people: None, query: str) -> None:
    browser.log_in(ADMIN)
    assert browser.get(f"/bounces?{query}").status_code == 400


@pytest.mark.parametrize("email", [COORDINATOR, APPROVER])
def test_the_bounce_report_is_for_admins_only(browser: Browser, people: None, email: str) -> None:
    # the network's privacy rule: reports and exports are for admins only
    browser.log_in(email)
    for path in ("/bounces", "/bounces.csv", "/bounces.json"):
        assert browser.get(path).status_code == 403
    assert 'href="/bounces"' not in browser.get("/").text


def test_the_bounce_report_needs_a_session(browser: Browser) -> None:
    for path in ("/bounces", "/bounces.csv", "/bounces.json"):
        response = browser.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/login"


def test_roster_text_is_escaped_on_the_bounce_report(
    browser: Browser, ctx: Context, people: None
) -> None:
    with ctx.engine.begin() as conn:
        add_contact(
            conn,
            "x@espoo.example",
            organisation="<script>alert(1)</script>",
            org_type="private",
            status="stale",
        )
    browser.log_in(ADMIN)
    page = browser.get("/bounces").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_bounce_downloads_are_neutralised_csv_and_json(
    browser: Browser, ctx: Context, people: None
) -> None:
    with ctx.engine.begin() as conn:
        add_contact(
            conn, "y@espoo.example", organisation="=1+2", org_type="private", status="stale"
        )
    browser.log_in(ADMIN)
    csv_response = browser.get("/bounces.csv")
    assert csv_response.headers["content-disposition"].startswith("attachment;")
    assert "'=1+2" in csv_response.text
    assert ";=1+2" not in csv_response.text
    data = browser.get("/bounces.json").json()
    assert data["totals"]["stale"] == 1


# --- the old /admin/ URLs -------------------------------------------------------------------------

MOVED = [
    ("/admin/", "/"),
    ("/admin/bounces?region=tyks&since=2026-01-01", "/bounces?region=tyks&since=2026-01-01"),
    ("/admin/bounces.csv", "/bounces.csv"),
    ("/admin/bounces.json?region=oys", "/bounces.json?region=oys"),
    ("/admin/editions", "/schedule"),
    ("/admin/editions/2026-03", "/editions/2026-03/send"),
    ("/admin/editions/2026-03.csv", "/editions/2026-03/report.csv"),
    ("/admin/editions/2026-13", "/schedule"),
    ("/admin/contacts?region=oys&q=virtanen", "/contacts?region=oys&q=virtanen"),
    ("/admin/contacts/12", "/contacts/12"),
    ("/admin/contacts/x12", "/contacts"),
]


@pytest.mark.parametrize(("old", "new"), MOVED)
def test_old_admin_urls_redirect_to_the_workspace_page(
    browser: Browser, people: None, old: str, new: str
) -> None:
    anonymous = browser.get(old)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    browser.log_in(COORDINATOR)
    signed_in = browser.get(old)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == new


def test_the_admin_dashboard_links_to_the_moved_pages(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    make_user(clock_ctx, "aila.admin@vip.example", UserRole.ADMIN)
    browser.log_in("aila.admin@vip.example")
    page = browser.get("/").text
    assert 'href="/bounces"' in page and 'href="/contacts"' in page and 'href="/admin/' not in page


def test_each_named_contact_links_to_their_page_in_the_register(
    browser: Browser, ctx: Context, people: None
) -> None:
    scene = build_scene(ctx.engine)
    browser.log_in(ADMIN)
    page = browser.get("/bounces").text
    assert f'href="/contacts/{scene.stale}"' in page
    assert browser.get(f"/contacts/{scene.stale}").status_code == 200
