"""The contact register in the workspace, in-process on both backends: the list with search,
filters, paging and exports; a contact's page with its history; edits, unsubscribe and
reactivation with notes, the spam override, erasure with confirmation; the organisations."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from mailer.core.accounts import AuditAction, UserRole
from mailer.pipeline import Context
from mailer.pipeline.audit import audit_page
from mailer.store.tables import contacts, erasures
from mailer.web.register import REGISTER_PAGE_SIZE
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
from tests.reports_data import T0, add_contact, add_delivery, add_event, history_rows, status_of

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

pytestmark = pytest.mark.usefixtures("cheap_hashing")

ADMIN = "aino.admin@vip.example"
COORDINATOR = "kaisa.koordinaattori@vip.example"
APPROVER = "bo.godkannare@vip.example"


@pytest.fixture
def people(clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, ADMIN, UserRole.ADMIN, name="Aino Admin")
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR, name="Kaisa")
    make_user(clock_ctx, APPROVER, UserRole.APPROVER, name="Bo")


class Register:
    """The ids of a small register with a known answer per filter."""

    def __init__(self, ctx: Context) -> None:
        with ctx.engine.begin() as conn:
            self.anna = add_contact(conn, "anna.virtanen@espoo.example")
            self.mikko = add_contact(
                conn, "mikko.korhonen@vantaa.example", first_name="Mikko", last_name="Korhonen",
                organisation="Vantaan kaupunki", municipality="092", role="welfare", soft_streak=1,
            )  # fmt: skip
            self.stina = add_contact(
                conn, "stina.lind@porvoo.example", first_name="Stina", last_name="Lind",
                organisation="Borgå stad", municipality="638", language="sv",
                status="unsubscribed", missing_since=T0,
            )  # fmt: skip
            self.koulu = add_contact(
                conn, "pekka.salo@norssi.example", first_name="Pekka", last_name="Salo",
                organisation="Jyväskylän normaalikoulu", org_type="training_school",
                municipality=None, region="kys", role="ecec",
            )  # fmt: skip
            self.evil = add_contact(
                conn, "eve@evil.example", first_name="=HYPERLINK(\"http://x.example\")",
                last_name="-2+3", organisation="@SUM(A1)", org_type="private",
                municipality=None, region="oys", status="stale",
            )  # fmt: skip


@pytest.fixture
def register(clock_ctx: ClockContext, people: None) -> Register:
    return Register(clock_ctx)


def _logged_in(browser: Browser, email: str) -> Browser:
    assert browser.log_in(email).status_code == 303
    return browser


def _names(html: str) -> set[str]:
    return set(re.findall(r'<a href="/contacts/\d+">([^<]+)</a>', html))


# --- access --------------------------------------------------------------------------------


def test_the_register_asks_for_login(browser: Browser) -> None:
    response = browser.get("/contacts")
    assert response.status_code == 303 and response.headers["location"] == "/login"


@pytest.mark.parametrize("who", [ADMIN, COORDINATOR, APPROVER])
def test_every_role_sees_the_register_and_the_navigation_links_to_it(
    browser: Browser, register: Register, who: str
) -> None:
    html = _logged_in(browser, who).get("/contacts").text
    assert 'href="/contacts" aria-current="page"' in html
    assert 'href="/organisations"' in html
    assert "Anna Virtanen" in html


# --- search, filters, paging ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Anna Virtanen", "Mikko Korhonen", "Stina Lind", "Pekka Salo",
              '=HYPERLINK(&#34;http://x.example&#34;) -2+3'}),
        ("q=KORHONEN", {"Mikko Korhonen"}),
        ("q=anna%20virtanen", {"Anna Virtanen"}),
        ("q=PORVOO.example", {"Stina Lind"}),
        ("q=normaalikoulu", {"Pekka Salo"}),
        ("q=%25", set()),
        ("region=kys", {"Pekka Salo"}),
        ("language=sv", {"Stina Lind"}),
        ("status=unsubscribed", {"Stina Lind"}),
        ("role=welfare", {"Mikko Korhonen"}),
        ("org_type=training_school", {"Pekka Salo"}),
        ("suspect=1", {"Mikko Korhonen"}),
        ("missing=1", {"Stina Lind"}),
        ("region=hyks&language=fi", {"Anna Virtanen", "Mikko Korhonen"}),
        ("status=no-such-status", {"Anna Virtanen", "Mikko Korhonen", "Stina Lind",
                                   "Pekka Salo", '=HYPERLINK(&#34;http://x.example&#34;) -2+3'}),
    ],
)  # fmt: skip
def test_search_and_each_filter_narrow_the_register(
    browser: Browser, register: Register, query: str, expected: set[str]
) -> None:
    html = _logged_in(browser, COORDINATOR).get(f"/contacts?{query}").text
    assert _names(html) == expected
    assert f'<span class="register-total">{len(expected)}</span>' in html


def test_the_status_filter_offers_every_status_of_the_enum(
    browser: Browser, register: Register
) -> None:
    from mailer.core.models import ContactStatus

    html = _logged_in(browser, COORDINATOR).get("/contacts").text
    for status in ContactStatus:
        assert f'<option value="{status.value}"' in html
    assert "<fieldset>" in html and "<legend>" in html and "<caption>" in html


def test_the_register_is_paged_in_sql_and_pages_keep_the_filter(
    browser: Browser, clock_ctx: ClockContext, people: None
) -> None:
    with clock_ctx.engine.begin() as conn:
        for n in range(REGISTER_PAGE_SIZE + 5):
            add_contact(conn, f"henkilo{n:03}@lahti.example", last_name=f"Henkilö {n:03}")
        add_contact(conn, "other@kys.example", region="kys")
    _logged_in(browser, COORDINATOR)
    first = browser.get("/contacts?region=hyks").text
    assert f'<span class="register-total">{REGISTER_PAGE_SIZE + 5}</span>' in first
    assert len(_names(first)) == REGISTER_PAGE_SIZE
    assert 'href="?region=hyks&amp;page=2" rel="next"' in first
    second = browser.get("/contacts?region=hyks&page=2").text
    assert len(_names(second)) == 5 and not _names(first) & _names(second)


# --- exports -------------------------------------------------------------------------------


def test_the_csv_export_has_the_filtered_rows_formula_safe_and_is_audited(
    browser: Browser, register: Register
) -> None:
    coordinator = _logged_in(browser, COORDINATOR)
    assert coordinator.get("/contacts.csv?region=oys").status_code == 403  # exports: admins only
    assert "/contacts.csv" not in coordinator.get("/contacts").text
    browser.jar.cookies.clear()
    response = _logged_in(browser, ADMIN).get("/contacts.csv?region=oys")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = response.text.lstrip("\ufeff").splitlines()
    assert len(lines) == 2
    assert "'=HYPERLINK" in lines[1] and ";'-2+3;" in lines[1] and ";'@SUM(A1);" in lines[1]
    entry = audit_page(browser.context, action=AuditAction.REGISTER_EXPORT).rows[0]
    assert entry.actor == ADMIN and "1 contacts" in entry.detail and "region=oys" in entry.detail


def test_the_xlsx_export_stores_text_as_text_never_as_a_formula(
    browser: Browser, register: Register
) -> None:
    response = _logged_in(browser, ADMIN).get("/contacts.xlsx?q=evil")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows())
    assert [c.value for c in rows[0]][:4] == ["id", "first_name", "last_name", "email"]
    assert len(rows) == 2
    first_name = rows[1][1]
    assert first_name.value == '=HYPERLINK("http://x.example")' and first_name.data_type == "s"
    assert all(cell.data_type != "f" for row in rows for cell in row)


# --- a contact's page ------------------------------------------------------------------------


def test_the_contact_page_shows_deliveries_events_and_history(
    browser: Browser, register: Register
) -> None:
    ctx = browser.context
    with ctx.engine.begin() as conn:
        d = add_delivery(conn, register.anna, "2026-03", accepted_at=T0)
        add_event(conn, "bounce", contact_id=register.anna, delivery_pk=d, edition="2026-03",
                  reason="550 5.1.1 no such user", at=T0 + timedelta(hours=1))  # fmt: skip
    html = _logged_in(browser, COORDINATOR).get(f"/contacts/{register.anna}").text
    assert "anna.virtanen@espoo.example" in html
    assert '<th scope="row">2026-03</th>' in html
    assert "550 5.1.1 no such user" in html
    assert browser.get("/contacts/999999").status_code == 404


def test_a_coordinator_edits_details_and_the_change_is_in_history_and_audit(
    browser: Browser, register: Register
) -> None:
    _logged_in(browser, COORDINATOR)
    page = browser.get(f"/contacts/{register.anna}").text
    form = {
        "csrf_token": csrf_of(page), "first_name": "Anna", "last_name": "Virtanen-Laine",
        "email": " Anna.Laine@Espoo.example ", "title": "Rehtori", "role": "support",
        "organisation": "Espoon kaupunki", "region": "hyks", "language": "sv",
    }  # fmt: skip
    response = browser.post(f"/contacts/{register.anna}", form)
    assert response.status_code == 303
    html = browser.get(response.headers["location"]).text
    assert "anna.laine@espoo.example" in html and "Virtanen-Laine" in html
    with browser.context.engine.connect() as conn:
        row = conn.execute(sa.select(contacts).where(contacts.c.id == register.anna)).one()
    assert (row.email, row.language, row.title) == ("anna.laine@espoo.example", "sv", "Rehtori")
    note = history_rows(browser.context.engine, register.anna)[-1]["note"]
    assert "last_name: Virtanen → Virtanen-Laine" in note
    entry = audit_page(browser.context, action=AuditAction.CONTACT_UPDATE).rows[0]
    assert entry.target == f"contact:{register.anna}" and "email" in entry.detail
    assert "anna.laine" not in entry.detail  # the values stay in the contact's own history
    audit_table = re.search(r'<table class="contact-audit">.*?</table>', html, re.S)
    assert audit_table is not None and COORDINATOR in audit_table.group(0)


def test_a_bad_email_is_a_field_error_and_nothing_is_saved(
    browser: Browser, register: Register
) -> None:
    _logged_in(browser, COORDINATOR)
    page = browser.get(f"/contacts/{register.anna}").text
    form = {
        "csrf_token": csrf_of(page), "first_name": "", "last_name": "Virtanen",
        "email": "not an address", "title": "", "role": "support",
        "organisation": "Espoon kaupunki", "region": "hyks", "language": "fi",
    }  # fmt: skip
    response = browser.post(f"/contacts/{register.anna}", form)
    assert response.status_code == 400
    html = response.text
    assert 'id="c-email" name="email"' in html
    assert 'aria-invalid="true" aria-describedby="c-email-error"' in html
    assert 'href="#c-email"' in html and 'href="#c-first_name"' in html
    assert 'value="not an address"' in html
    with browser.context.engine.connect() as conn:
        row = conn.execute(sa.select(contacts).where(contacts.c.id == register.anna)).one()
    assert row.email == "anna.virtanen@espoo.example" and row.first_name == "Anna"
    assert audit_page(browser.context, action=AuditAction.CONTACT_UPDATE).total == 0


def test_an_address_of_another_contact_is_refused(browser: Browser, register: Register) -> None:
    _logged_in(browser, COORDINATOR)
    page = browser.get(f"/contacts/{register.anna}").text
    form = {
        "csrf_token": csrf_of(page), "first_name": "Anna", "last_name": "Virtanen",
        "email": "MIKKO.korhonen@vantaa.example", "title": "", "role": "support",
        "organisation": "Espoon kaupunki", "region": "hyks", "language": "fi",
    }  # fmt: skip
    response = browser.post(f"/contacts/{register.anna}", form)
    assert response.status_code == 400 and "c-email-error" in response.text


def test_changes_need_a_csrf_token(browser: Browser, register: Register) -> None:
    _logged_in(browser, COORDINATOR)
    response = browser.post(f"/contacts/{register.anna}/unsubscribe", {"note": "asked"})
    assert response.status_code == 403
    assert status_of(browser.context.engine, register.anna) == "active"


def test_unsubscribe_and_reactivate_need_a_note_and_are_audited(
    browser: Browser, register: Register
) -> None:
    _logged_in(browser, COORDINATOR)
    token = csrf_of(browser.get(f"/contacts/{register.anna}").text)
    refused = browser.post(f"/contacts/{register.anna}/unsubscribe", {"csrf_token": token})
    assert refused.status_code == 400 and "c-note-error" in refused.text
    assert status_of(browser.context.engine, register.anna) == "active"
    done = browser.post(
        f"/contacts/{register.anna}/unsubscribe", {"csrf_token": token, "note": "asked by phone"}
    )
    assert done.status_code == 303
    assert status_of(browser.context.engine, register.anna) == "unsubscribed"
    again = browser.post(
        f"/contacts/{register.anna}/reactivate", {"csrf_token": token, "note": "asked to return"}
    )
    assert again.status_code == 303
    assert status_of(browser.context.engine, register.anna) == "active"
    actions = [r.action for r in audit_page(browser.context).rows]
    assert AuditAction.CONTACT_UNSUBSCRIBE in actions and AuditAction.CONTACT_REACTIVATE in actions
    notes = [h["note"] for h in history_rows(browser.context.engine, register.anna)]
    assert notes == ["asked by phone", "asked to return"]


def test_a_spam_complainer_is_reactivated_only_with_the_override(
    browser: Browser, register: Register
) -> None:
    from mailer.core.models import ContactStatus
    from mailer.store.contacts import change_status

    with browser.context.engine.begin() as conn:
        change_status(
            conn, register.mikko, ContactStatus.UNSUBSCRIBED, at=T0, kind="bounce-policy",
            reason="unsubscribed: spamreport", source="sendgrid:spamreport",
        )  # fmt: skip
    _logged_in(browser, COORDINATOR)
    page = browser.get(f"/contacts/{register.mikko}").text
    assert 'id="spam-warning"' in page and 'name="override"' in page
    token = csrf_of(page)
    url = f"/contacts/{register.mikko}/reactivate"
    refused = browser.post(url, {"csrf_token": token, "note": "phoned us"})
    assert refused.status_code == 400 and "c-override-error" in refused.text
    assert status_of(browser.context.engine, register.mikko) == "unsubscribed"
    done = browser.post(url, {"csrf_token": token, "note": "phoned us", "override": "1"})
    assert done.status_code == 303
    assert status_of(browser.context.engine, register.mikko) == "active"
    entry = audit_page(browser.context, action=AuditAction.CONTACT_REACTIVATE).rows[0]
    assert "spam complaint overridden" in entry.detail


# --- erasure -------------------------------------------------------------------------------


def test_a_coordinator_cannot_erase(browser: Browser, register: Register) -> None:
    _logged_in(browser, COORDINATOR)
    page = browser.get(f"/contacts/{register.anna}").text
    assert f"/contacts/{register.anna}/erase" not in page
    assert browser.get(f"/contacts/{register.anna}/erase").status_code == 403
    token = csrf_of(page)
    data = {"csrf_token": token, "confirm": "anna.virtanen@espoo.example"}
    assert browser.post(f"/contacts/{register.anna}/erase", data).status_code == 403
    assert status_of(browser.context.engine, register.anna) == "active"


def test_an_admin_erases_after_typing_the_address(browser: Browser, register: Register) -> None:
    with browser.context.engine.begin() as conn:
        add_delivery(conn, register.anna, "2026-03", accepted_at=T0)
    _logged_in(browser, ADMIN)
    contact_page = browser.get(f"/contacts/{register.anna}").text
    assert 'action="/contacts/' not in contact_page  # admins do not edit, they may erase
    confirm = browser.get(f"/contacts/{register.anna}/erase")
    assert confirm.status_code == 200
    token = csrf_of(confirm.text)
    wrong = browser.post(f"/contacts/{register.anna}/erase", {"csrf_token": token, "confirm": "x"})
    assert wrong.status_code == 400 and "confirm-error" in wrong.text
    done = browser.post(
        f"/contacts/{register.anna}/erase",
        {"csrf_token": token, "confirm": " Anna.Virtanen@espoo.example"},
    )
    assert done.status_code == 303
    assert 'role="status"' in browser.get(done.headers["location"]).text
    with browser.context.engine.connect() as conn:
        assert (
            conn.execute(sa.select(contacts).where(contacts.c.id == register.anna)).first() is None
        )
        assert conn.execute(sa.select(sa.func.count()).select_from(erasures)).scalar_one() == 1
    entry = audit_page(browser.context, action=AuditAction.CONTACT_ERASE).rows[0]
    assert entry.target == f"contact:{register.anna}" and "1 deliveries" in entry.detail
    assert "espoo" not in entry.detail
    assert browser.get(f"/contacts/{register.anna}").status_code == 404


# --- organisations -------------------------------------------------------------------------


def test_organisations_without_an_active_contact(browser: Browser, register: Register) -> None:
    _logged_in(browser, COORDINATOR)
    every = browser.get("/organisations").text
    assert '<span class="orgs-total">5</span>' in every
    without = browser.get("/organisations?without=1").text
    assert "Borgå stad" in without and "Espoon kaupunki" not in without
    assert '<span class="orgs-total">2</span>' in without
    kys = browser.get("/organisations?region=kys").text
    assert "Jyväskylän normaalikoulu" in kys and "Vantaan kaupunki" not in kys
    link = re.search(r'href="(/organisations/[^"]+)">Borgå stad', without)
    assert link is not None
    page = browser.get(link.group(1).replace("&amp;", "&"))
    assert page.status_code == 200
    assert "Stina Lind" in page.text and 'class="org-active"' in page.text
    assert browser.get("/organisations/hyks:municipality:999").status_code == 404


def test_a_stale_contact_can_be_unsubscribed_or_reactivated_and_the_note_is_tied_to_its_form(
    browser: Browser, register: Register
) -> None:
    _logged_in(browser, COORDINATOR)
    page = browser.get(f"/contacts/{register.evil}").text
    assert f'action="/contacts/{register.evil}/unsubscribe"' in page
    assert f'action="/contacts/{register.evil}/reactivate"' in page
    refused = browser.post(f"/contacts/{register.evil}/reactivate", {"csrf_token": csrf_of(page)})
    assert refused.status_code == 400
    assert 'aria-invalid="true" aria-describedby="c-reason-error"' in refused.text
    assert 'href="#c-reason"' in refused.text
    assert status_of(browser.context.engine, register.evil) == "stale"
