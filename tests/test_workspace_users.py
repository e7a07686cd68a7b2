"""Users in the browser, on both backends: an admin invites (the user chooses their password
through a mailed, single-use, expiring link), changes roles, disables and enables; the last
admin and one's own account are protected; each user keeps their own name, language and
password; "forgot your password" tells nobody who has an account; the settings page never shows
a secret."""

from __future__ import annotations

import base64
import email
import email.policy
import re
from pathlib import Path

import httpx
import pytest

from mailer.core.accounts import AuditAction, UiLanguage, UserRole
from mailer.pipeline import Context
from mailer.pipeline.accounts import LoginOutcome, list_accounts, log_in
from mailer.pipeline.audit import audit_page
from mailer.pipeline.workspace_mail import OUTBOX_FOLDER
from tests.accounts_support import (
    PASSWORD,
    Browser,
    ClockContext,
    browser,
    cheap_hashing,
    clock_ctx,
    csrf_of,
    make_browser,
    make_user,
)

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

pytestmark = pytest.mark.usefixtures("cheap_hashing")

ADMIN = "aino.admin@vip.example"
COORDINATOR = "kaisa.koordinaattori@vip.example"
NEW_PASSWORD = "kesäkuun kirje lähtee ajallaan"


@pytest.fixture
def people(clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, ADMIN, UserRole.ADMIN, name="Aino Admin")
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR, name="Kaisa K")


@pytest.fixture
def admin(browser: Browser, people: None) -> Browser:
    assert browser.log_in(ADMIN).status_code == 303
    return browser


def _post(browser: Browser, url: str, page: str, **data: str) -> httpx.Response:
    """A form post with the CSRF token of the page the form is on."""
    token = csrf_of(browser.get(page).text)
    return browser.post(url, {"csrf_token": token, **data})


def _mails(ctx: Context) -> list[email.message.EmailMessage]:
    folder = ctx.settings.outbox_dir / OUTBOX_FOLDER
    files = sorted(folder.rglob("*.eml"))  # in no particular order: tests compare sets
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in files
    ]


def _link_in(mail: email.message.EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"https?://\S+(/password/[\w.\-]+)", body.get_content())
    assert found is not None, "no password link in the message"
    return found.group(1)


def _actions(ctx: Context) -> list[AuditAction]:
    return [row.action for row in reversed(audit_page(ctx).rows)]


# --- who may see what -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/users", "/settings"])
def test_only_admins_reach_the_users_and_settings_pages(
    browser: Browser, people: None, path: str
) -> None:
    assert browser.get(path).status_code == 303  # not logged in: to the login
    browser.log_in(COORDINATOR)
    assert browser.get(path).status_code == 403
    home = browser.get("/").text
    assert 'href="/users"' not in home and 'href="/settings"' not in home
    assert 'href="/account"' in home  # everybody has their own page


def test_user_changes_need_a_csrf_token(admin: Browser) -> None:
    for url, data in [
        ("/users/invite", {"email": "uusi@vip.example"}),
        ("/users/role", {"email": COORDINATOR, "role": "admin"}),
        ("/users/disable", {"email": COORDINATOR}),
        ("/account/profile", {"name": "X"}),
        ("/account/password", {"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD}),
    ]:
        assert admin.post(url, data).status_code == 403, url
    roles = {a.email: a.role for a in list_accounts(admin.context)}
    assert roles[COORDINATOR] is UserRole.COORDINATOR
    assert len(roles) == 2


# --- inviting -------------------------------------------------------------------------------


def test_an_invited_user_chooses_a_password_through_the_link_and_logs_in(
    admin: Browser, make_browser: object
) -> None:
    ctx = admin.context
    response = _post(
        admin, "/users/invite", "/users",
        email="Bo.Berg@vip.example", name="Bo Berg", role="approver", language="sv",
    )  # fmt: skip
    assert response.status_code == 303
    listing = admin.get(response.headers["location"]).text
    assert "bo.berg@vip.example" in listing and "Kutsuttu, ei vielä salasanaa" in listing
    (mail,) = _mails(ctx)
    assert mail["To"].addresses[0].addr_spec == "bo.berg@vip.example"
    assert mail["Subject"] == "Välkommen till VIPU-brevets arbetsyta"
    link = _link_in(mail)
    payload = link.removeprefix("/password/").split(".")[0]  # signed, not secret: readable
    assert b"bo.berg" not in base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    # before choosing, no password opens the account
    assert log_in(ctx, "bo.berg@vip.example", "", client="t").outcome is LoginOutcome.REFUSED
    visitor = make_browser()  # type: ignore[operator]
    form = visitor.get(link)
    assert form.status_code == 200
    assert '<html lang="sv"' in form.text and "bo.berg@vip.example" in form.text
    token = csrf_of(form.text)
    done = visitor.post(link, {"csrf_token": token, "new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/login?lang=sv&done=password"
    assert visitor.log_in("bo.berg@vip.example", NEW_PASSWORD).status_code == 303
    # the link works once
    assert visitor.get(link).status_code == 404
    assert _actions(ctx)[-5:] == [
        AuditAction.USER_ADDED,
        AuditAction.PASSWORD_LINK_SENT,
        AuditAction.LOGIN_FAILED,  # the empty password tried above
        AuditAction.PASSWORD_SET,
        AuditAction.LOGIN,
    ]


def test_the_link_refuses_a_weak_or_mistyped_password_in_the_users_language(
    admin: Browser, make_browser: object
) -> None:
    _post(admin, "/users/invite", "/users", email="cai@vip.example", role="coordinator",
          language="en")  # fmt: skip
    link = _link_in(_mails(admin.context)[0])
    visitor = make_browser()  # type: ignore[operator]
    token = csrf_of(visitor.get(link).text)
    short = visitor.post(link, {"csrf_token": token, "new": "lyhyt", "again": "lyhyt"})
    assert short.status_code == 400
    assert "The password needs at least 12 characters." in short.text
    assert 'id="f-new" ' in short.text and 'aria-invalid="true"' in short.text
    differ = visitor.post(link, {"csrf_token": token, "new": NEW_PASSWORD, "again": "x" * 12})
    assert differ.status_code == 400 and "The passwords are not the same." in differ.text
    assert visitor.get(link).status_code == 200  # a refused try does not spend the link


def test_the_link_ends_after_its_hours_and_a_tampered_one_never_works(admin: Browser) -> None:
    _post(admin, "/users/invite", "/users", email="cai@vip.example", role="coordinator")
    link = _link_in(_mails(admin.context)[0])
    assert admin.get(link[:-3] + ("abc" if not link.endswith("abc") else "xyz")).status_code == 404
    assert admin.get(link).status_code == 200
    admin.context.advance(hours=admin.context.settings.confirmation_link_hours, seconds=1)
    page = admin.get(link)  # the app's own clock has moved
    assert page.status_code == 404 and "Linkki ei toimi" in page.text


def test_links_stand_until_a_password_is_set_through_one_of_them(
    admin: Browser, make_browser: object
) -> None:
    _post(admin, "/users/link", "/users", email=COORDINATOR)
    admin.context.advance(minutes=1)  # a later link: another end, so another token
    _post(admin, "/users/link", "/users", email=COORDINATOR)
    # both links stand until one is used (which is which does not matter: the files' order
    # on disk is not the sending order)
    used, other = (_link_in(m) for m in _mails(admin.context))
    assert used != other
    visitor = make_browser()  # type: ignore[operator]
    assert visitor.get(other).status_code == 200
    token = csrf_of(visitor.get(used).text)
    visitor.post(used, {"csrf_token": token, "new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert visitor.get(other).status_code == 404
    assert log_in(admin.context, COORDINATOR, PASSWORD, client="t").outcome is not LoginOutcome.OK


def test_a_link_sent_again_to_an_invited_user_is_the_invitation(admin: Browser) -> None:
    _post(admin, "/users/invite", "/users", email="cai@vip.example", role="coordinator")
    _post(admin, "/users/link", "/users", email="cai@vip.example")
    _post(admin, "/users/link", "/users", email=COORDINATOR)
    subjects = sorted((m["To"].addresses[0].addr_spec, m["Subject"]) for m in _mails(admin.context))
    assert subjects == [
        ("cai@vip.example", "Tervetuloa VIPU-kirjeen työtilaan"),
        ("cai@vip.example", "Tervetuloa VIPU-kirjeen työtilaan"),
        (COORDINATOR, "VIPU-kirjeen työtila: uusi salasana"),
    ]


def test_inviting_an_existing_address_is_refused_beside_the_field(admin: Browser) -> None:
    page = _post(admin, "/users/invite", "/users", email=COORDINATOR.upper(), role="admin")
    assert page.status_code == 400
    assert "Tällä osoitteella on jo käyttäjä." in page.text
    assert 'href="#f-email"' in page.text  # the summary links to the field
    assert _mails(admin.context) == []


# --- roles, disabling ------------------------------------------------------------------------


def test_an_admin_changes_a_role_disables_and_enables_a_user(
    admin: Browser, make_browser: object
) -> None:
    colleague = make_browser()  # type: ignore[operator]
    colleague.log_in(COORDINATOR)
    assert colleague.get("/").status_code == 200
    assert _post(admin, "/users/role", "/users", email=COORDINATOR, role="approver").status_code
    roles = {a.email: a.role for a in list_accounts(admin.context)}
    assert roles[COORDINATOR] is UserRole.APPROVER
    _post(admin, "/users/disable", "/users", email=COORDINATOR)
    assert colleague.get("/").status_code == 303  # the session ended at once
    listing = admin.get("/users?done=disabled&email=" + COORDINATOR).text
    assert "Poistettu käytöstä" in listing
    _post(admin, "/users/enable", "/users", email=COORDINATOR)
    assert colleague.log_in(COORDINATOR).status_code == 303
    assert _actions(admin.context)[-4:] == [
        AuditAction.USER_ROLE_CHANGED,
        AuditAction.USER_DISABLED,
        AuditAction.USER_ENABLED,
        AuditAction.LOGIN,
    ]


def test_an_admin_cannot_disable_themselves_nor_demote_the_last_admin(admin: Browser) -> None:
    page = admin.get("/users").text
    assert page.count('action="/users/disable"') == 1  # only the colleague's row has the button
    own = _post(admin, "/users/disable", "/users", email=ADMIN)
    assert own.status_code == 400 and "Et voi poistaa omaa käyttäjääsi käytöstä." in own.text
    assert ' aria-invalid="true">' not in own.text  # the add form's fields were not at fault
    assert "<li>Et voi poistaa omaa käyttäjääsi käytöstä.</li>" in own.text  # in the summary
    demoted = _post(admin, "/users/role", "/users", email=ADMIN, role="coordinator")
    assert demoted.status_code == 400
    assert "Työtilassa on oltava ainakin yksi käytössä oleva ylläpitäjä." in demoted.text
    assert {a.email: a.role for a in list_accounts(admin.context)}[ADMIN] is UserRole.ADMIN


# --- one's own account -----------------------------------------------------------------------


def test_a_user_changes_their_name_and_language(browser: Browser, people: None) -> None:
    browser.log_in(COORDINATOR)
    response = _post(browser, "/account/profile", "/account", name="Kaisa Koordinaattori",
                     language="sv")  # fmt: skip
    assert response.status_code == 303
    page = browser.get("/account")
    assert '<html lang="sv"' in page.text and "Uppgifterna sparades." not in page.text
    assert "Uppgifterna sparades." in browser.get("/account?done=profile").text
    account = {a.email: a for a in list_accounts(browser.context)}[COORDINATOR]
    assert (account.display_name, account.ui_language) == ("Kaisa Koordinaattori", UiLanguage.SV)


def test_changing_ones_password_needs_the_current_one_and_ends_the_other_sessions(
    browser: Browser, people: None, make_browser: object
) -> None:
    other = make_browser()  # type: ignore[operator]
    other.log_in(COORDINATOR)
    browser.log_in(COORDINATOR)
    wrong = _post(browser, "/account/password", "/account", current="väärä salasana",
                  new=NEW_PASSWORD, again=NEW_PASSWORD)  # fmt: skip
    assert wrong.status_code == 400 and "Nykyinen salasana ei ole oikein." in wrong.text
    done = _post(browser, "/account/password", "/account", current=PASSWORD,
                 new=NEW_PASSWORD, again=NEW_PASSWORD)  # fmt: skip
    assert done.status_code == 303
    assert browser.get("/account").status_code == 200  # this session stays
    assert other.get("/").status_code == 303  # the other one ended
    assert log_in(browser.context, COORDINATOR, NEW_PASSWORD, client="t").outcome is LoginOutcome.OK


def test_guessing_the_current_password_is_throttled_like_the_login(
    browser: Browser, people: None
) -> None:
    browser.log_in(COORDINATOR)
    for _ in range(10):
        wrong = _post(browser, "/account/password", "/account", current="väärä salasana",
                      new=NEW_PASSWORD, again=NEW_PASSWORD)  # fmt: skip
        assert wrong.status_code == 400
    right = _post(browser, "/account/password", "/account", current=PASSWORD,
                  new=NEW_PASSWORD, again=NEW_PASSWORD)  # fmt: skip
    assert right.status_code == 429 and "Liian monta väärää salasanaa" in right.text
    assert log_in(browser.context, COORDINATOR, PASSWORD, client="t").outcome is not LoginOutcome.OK
    browser.context.advance(minutes=15, seconds=1)
    again = _post(browser, "/account/password", "/account", current=PASSWORD,
                  new=NEW_PASSWORD, again=NEW_PASSWORD)  # fmt: skip
    assert again.status_code == 303


# --- forgot your password --------------------------------------------------------------------


def test_forgot_answers_the_same_for_anyone_and_mails_only_an_account(
    browser: Browser, people: None
) -> None:
    form = browser.get("/password/forgot?lang=sv")
    assert '<html lang="sv"' in form.text
    answers = []
    for address in (COORDINATOR, "nobody@vip.example"):
        token = csrf_of(browser.get("/password/forgot?lang=sv").text)
        page = browser.post(
            "/password/forgot", {"csrf_token": token, "email": address, "lang": "sv"}
        )
        answers.append((page.status_code, page.text.replace(address, "")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    mails = _mails(browser.context)
    assert [m["To"].addresses[0].addr_spec for m in mails] == [COORDINATOR]
    assert mails[0]["Subject"] == "VIPU-kirjeen työtila: uusi salasana"  # the account's language


def test_forgot_is_limited_per_address(browser: Browser, people: None) -> None:
    for _ in range(5):
        token = csrf_of(browser.get("/password/forgot").text)
        browser.post("/password/forgot", {"csrf_token": token, "email": COORDINATOR})
    assert len(_mails(browser.context)) == 3
    browser.context.advance(hours=1, seconds=1)
    token = csrf_of(browser.get("/password/forgot").text)
    browser.post("/password/forgot", {"csrf_token": token, "email": COORDINATOR})
    assert len(_mails(browser.context)) == 4


def test_the_login_page_links_to_forgot_in_its_language(browser: Browser) -> None:
    page = browser.get("/login?lang=en").text
    assert '<a href="/password/forgot?lang=en">Forgot your password?</a>' in page


# --- settings --------------------------------------------------------------------------------


def test_the_settings_page_names_every_variable_and_never_a_secret(
    make_browser: object, clock_ctx: ClockContext, tmp_path: Path
) -> None:
    from pydantic import SecretStr

    secret = "s3cret-key-for-the-settings-page-test-0123456789"
    browser = make_browser(  # type: ignore[operator]
        secret_key=SecretStr(secret),
        database_url="postgresql://vipu:hunter2-db@db.example/vipu",
        inbound_secret=SecretStr("inbound-secret-value-0123"),
    )
    make_user(clock_ctx, ADMIN, UserRole.ADMIN, language=UiLanguage.EN)
    browser.log_in(ADMIN)
    page = browser.get("/settings").text
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    documented = set(re.findall(r"^\| `(MAILER_[A-Z_]+)`", readme, re.MULTILINE))
    documented -= {"MAILER_TEST_POSTGRES_URL"}  # the test suite's, no setting
    shown = set(re.findall(r"<code>(MAILER_[A-Z_]+)</code>", page))
    assert documented <= shown
    for leaked in (secret, "hunter2-db", "inbound-secret-value-0123"):
        assert leaked not in page
    assert "postgresql://vipu:***@db.example/vipu" in page
    assert "set (secret)" in page and "not set" in page
