"""The workspace in-process, on both backends: login and logout, session cookies, CSRF on every
post, idle timeout, roles, the dashboard and the audit page, in fi, sv and en."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from mailer.config import Settings
from mailer.core.accounts import AuditAction, UiLanguage, UserRole
from mailer.pipeline import Context
from mailer.pipeline.accounts import LoginOutcome, log_in, set_password
from mailer.pipeline.audit import audit_page
from mailer.pipeline.user_admin import disable as disable_user
from mailer.web.shell import NAV, catalogue_files, strings
from mailer.web.workspace import AUDIT_PAGE_SIZE
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

ROOT = Path(__file__).resolve().parent.parent
SECURE_COOKIE = "__Host-mailer_session"

pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture
def people(clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, "aino.admin@vip.example", UserRole.ADMIN, name="Aino Admin")
    make_user(
        clock_ctx, "bo.godkannare@vip.example", UserRole.APPROVER, name="Bo Berg",
        language=UiLanguage.SV,
    )  # fmt: skip
    make_user(clock_ctx, "kaisa.koordinaattori@vip.example", UserRole.COORDINATOR, name="Kaisa")


def _actions(ctx: Context) -> list[AuditAction]:
    return [row.action for row in reversed(audit_page(ctx).rows)]


# --- the login page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "lang", "heading"),
    [("", "fi", "Kirjaudu sisään"), ("?lang=sv", "sv", "Logga in"), ("?lang=en", "en", "Log in"),
     ("?lang=de", "fi", "Kirjaudu sisään")],
)  # fmt: skip
def test_the_login_form_is_in_the_asked_language_with_labels_and_a_csrf_field(
    browser: Browser, query: str, lang: str, heading: str
) -> None:
    response = browser.get(f"/login{query}")
    assert response.status_code == 200
    html = response.text
    assert f'<html lang="{lang}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert '<label for="email">' in html and '<label for="password">' in html
    assert 'type="hidden" name="csrf_token"' in html
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    cookie = response.headers["set-cookie"]
    assert "mailer_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_login_sets_a_hardened_session_cookie_and_redirects_to_the_dashboard(
    browser: Browser, people: None
) -> None:
    response = browser.log_in("Aino.Admin@VIP.example")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SECURE_COOKIE))
    for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert flag in cookie
    page = browser.get("/")
    assert page.status_code == 200
    assert "Aino Admin" in page.text
    assert "Ylläpitäjä" in page.text  # the role, in the account's language
    assert '<html lang="fi">' in page.text


def test_over_plain_http_the_cookie_is_not_secure_and_has_no_host_prefix(
    make_browser: Callable[..., Browser], people: None
) -> None:
    browser = make_browser(public_url="http://127.0.0.1:8000")
    response = browser.log_in("aino.admin@vip.example")
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("mailer_session=")
    )
    assert "Secure" not in cookie
    assert browser.get("/").status_code == 200


def test_after_login_the_pages_speak_the_accounts_language_whatever_the_form_was_in(
    browser: Browser, people: None
) -> None:
    browser.log_in("bo.godkannare@vip.example", lang="en")
    page = browser.get("/")
    assert '<html lang="sv">' in page.text
    assert "Godkännare" in page.text
    assert 'href="/admin/' not in page.text  # approvers get no admin links


@pytest.mark.parametrize(
    ("email", "password"),
    [("aino.admin@vip.example", PASSWORD + "x"), ("nobody@vip.example", PASSWORD)],
)
def test_a_wrong_password_and_an_unknown_email_get_the_same_answer_tied_to_the_fields(
    browser: Browser, clock_ctx: ClockContext, people: None, email: str, password: str
) -> None:
    response = browser.log_in(email, password)
    assert response.status_code == 400
    html = response.text
    assert 'id="login-error"' in html and html.count('aria-describedby="login-error"') == 2
    assert "Sähköposti tai salasana on väärin" in html
    assert f'value="{email}"' in html and PASSWORD not in html
    assert all(SECURE_COOKIE not in c for c in response.headers.get_list("set-cookie"))
    assert _actions(clock_ctx)[-1] is AuditAction.LOGIN_FAILED


def test_empty_fields_get_their_own_messages(browser: Browser, people: None) -> None:
    token = csrf_of(browser.get("/login?lang=en").text)
    response = browser.post(
        "/login", {"email": " ", "password": "", "csrf_token": token, "lang": "en"}
    )
    assert response.status_code == 400
    html = response.text
    assert 'aria-describedby="email-error"' in html and 'id="email-error"' in html
    assert 'aria-describedby="password-error"' in html and "Enter your password." in html


def test_a_disabled_account_cannot_log_in(
    browser: Browser, clock_ctx: ClockContext, people: None
) -> None:
    disable_user(clock_ctx, "kaisa.koordinaattori@vip.example", actor="cli:test")
    assert browser.log_in("kaisa.koordinaattori@vip.example").status_code == 400


# --- CSRF ----------------------------------------------------------------------------------


def test_a_login_post_without_a_csrf_token_is_forbidden(browser: Browser, people: None) -> None:
    browser.get("/login")
    data = {"email": "aino.admin@vip.example", "password": PASSWORD}
    assert browser.post("/login", data).status_code == 403


@pytest.mark.parametrize("token", ["forged", "eyJhIjoxfQ.badsignature"])
def test_a_login_post_with_a_forged_token_is_forbidden(
    browser: Browser, people: None, token: str
) -> None:
    browser.get("/login")
    data = {"email": "aino.admin@vip.example", "password": PASSWORD, "csrf_token": token}
    assert browser.post("/login", data).status_code == 403


def test_a_login_token_without_its_cookie_is_forbidden(browser: Browser, people: None) -> None:
    """Double submit: a token copied from someone's page is useless without their cookie."""
    token = csrf_of(browser.get("/login").text)
    browser.jar.cookies.clear()
    data = {"email": "aino.admin@vip.example", "password": PASSWORD, "csrf_token": token}
    assert browser.post("/login", data).status_code == 403


def test_a_logout_without_the_sessions_token_is_forbidden_and_the_session_lives(
    make_browser: Callable[..., Browser], people: None
) -> None:
    mine, theirs = make_browser(), make_browser()
    mine.log_in("aino.admin@vip.example")
    theirs.log_in("kaisa.koordinaattori@vip.example")
    their_token = csrf_of(theirs.get("/").text)
    assert mine.post("/logout", {}).status_code == 403
    assert mine.post("/logout", {"csrf_token": their_token}).status_code == 403
    assert mine.get("/").status_code == 200


def test_the_csrf_token_may_come_in_a_header(browser: Browser, people: None) -> None:
    browser.log_in("aino.admin@vip.example")
    token = csrf_of(browser.get("/").text)
    assert browser.post("/logout", {}, **{"X-CSRF-Token": token}).status_code == 303


# --- sessions ------------------------------------------------------------------------------


def test_logout_ends_the_session_on_the_server_not_just_in_the_browser(
    browser: Browser, clock_ctx: ClockContext, people: None
) -> None:
    browser.log_in("aino.admin@vip.example")
    stolen = dict(browser.jar.cookies)
    response = browser.post("/logout", {"csrf_token": csrf_of(browser.get("/").text)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert SECURE_COOKIE not in browser.jar.cookies
    browser.jar.cookies = stolen  # a copy of the cookie taken before the logout
    assert browser.get("/").status_code == 303
    assert _actions(clock_ctx)[-2:] == [AuditAction.LOGIN, AuditAction.LOGOUT]


@pytest.mark.parametrize("cookie", [None, "not-a-session", ""])
def test_without_a_live_session_the_dashboard_sends_to_login(
    browser: Browser, cookie: str | None
) -> None:
    if cookie is not None:
        browser.jar.cookies[SECURE_COOKIE] = cookie
    response = browser.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_a_session_ends_after_the_idle_timeout_and_lives_while_used(
    make_browser: Callable[..., Browser], people: None
) -> None:
    browser = make_browser(session_idle_minutes=30)
    context: ClockContext = browser.context  # type: ignore[attr-defined]
    browser.log_in("aino.admin@vip.example")
    for _ in range(3):  # used every 20 minutes: an hour later still in
        context.advance(minutes=20)
        assert browser.get("/").status_code == 200
    context.advance(minutes=31)
    assert browser.get("/").status_code == 303


def test_a_session_ends_after_its_maximum_age_even_when_used(
    make_browser: Callable[..., Browser], people: None
) -> None:
    browser = make_browser(session_max_hours=1)
    context: ClockContext = browser.context  # type: ignore[attr-defined]
    browser.log_in("aino.admin@vip.example")
    for _ in range(2):  # used within the idle timeout, 50 minutes in all
        context.advance(minutes=25)
        assert browser.get("/").status_code == 200
    context.advance(minutes=11)
    assert browser.get("/").status_code == 303


@pytest.mark.parametrize("change", ["disable", "set-password"])
def test_disabling_or_a_new_password_ends_the_accounts_sessions(
    browser: Browser, clock_ctx: ClockContext, people: None, change: str
) -> None:
    browser.log_in("kaisa.koordinaattori@vip.example")
    assert browser.get("/").status_code == 200
    if change == "disable":
        disable_user(clock_ctx, "kaisa.koordinaattori@vip.example", actor="cli:test")
    else:
        set_password(clock_ctx, "kaisa.koordinaattori@vip.example", "Uusi-salasana-2026", actor="t")
    assert browser.get("/").status_code == 303


def test_a_second_login_gets_a_new_session_and_the_login_page_redirects_when_in(
    browser: Browser, people: None
) -> None:
    browser.log_in("aino.admin@vip.example")
    first = browser.jar.cookies[SECURE_COOKIE]
    assert browser.get("/login").status_code == 303
    browser.jar.cookies.pop(SECURE_COOKIE)
    browser.log_in("aino.admin@vip.example")
    assert browser.jar.cookies[SECURE_COOKIE] != first


# --- roles and the audit page --------------------------------------------------------------


def test_an_admin_sees_the_audit_log_and_the_admin_links(
    browser: Browser, clock_ctx: ClockContext, people: None
) -> None:
    browser.log_in("aino.admin@vip.example")
    dashboard = browser.get("/").text
    for href in ('href="/audit"', 'href="/bounces"', 'href="/contacts"'):
        assert href in dashboard
    page = browser.get("/audit")
    assert page.status_code == 200
    assert page.text.count("Käyttäjä lisätty") == 3 + 1  # three rows and the filter's option
    assert "Kirjautuminen" in page.text and "aino.admin@vip.example" in page.text


@pytest.mark.parametrize("email", ["kaisa.koordinaattori@vip.example", "bo.godkannare@vip.example"])
def test_others_get_a_403_page_in_their_language_from_the_audit_log(
    browser: Browser, people: None, email: str
) -> None:
    browser.log_in(email)
    assert 'href="/audit"' not in browser.get("/").text
    for path in ("/audit", "/audit.csv"):
        response = browser.get(path)
        assert response.status_code == 403
    assert "<h1>" in response.text and "aino.admin" not in response.text


def test_anonymous_visitors_of_the_audit_log_are_sent_to_login(browser: Browser) -> None:
    assert browser.get("/audit").headers["location"] == "/login"


def test_the_audit_page_filters_by_action_and_pages(
    browser: Browser, clock_ctx: ClockContext, people: None
) -> None:
    for i in range(AUDIT_PAGE_SIZE + 1):  # from many addresses (one would be throttled)
        log_in(clock_ctx, "nobody@vip.example", PASSWORD, client=f"192.0.2.{i}")
    browser.log_in("aino.admin@vip.example")
    page = browser.get("/audit?action=login_failed")
    assert '<span class="audit-total">51</span>' in page.text
    assert 'href="?action=login_failed&amp;page=2"' in page.text
    second = browser.get("/audit?action=login_failed&page=2")
    assert second.text.count("nobody@vip.example") == 1
    assert browser.get("/audit?action=nonsense").status_code == 400


def test_the_audit_csv_is_formula_safe(
    browser: Browser, clock_ctx: ClockContext, people: None
) -> None:
    browser.log_in('=HYPERLINK("http://evil.example")')
    browser.log_in("aino.admin@vip.example")
    response = browser.get("/audit.csv?action=login_failed")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="audit.csv"'
    assert "'=HYPERLINK" in response.text
    assert ";=HYPERLINK" not in response.text


def test_user_data_on_the_pages_is_escaped(browser: Browser, clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, "x@vip.example", UserRole.ADMIN, name="<script>alert(1)</script>")
    browser.log_in("x@vip.example")
    html = browser.get("/").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


# --- languages -----------------------------------------------------------------------------


def test_the_three_catalogues_have_the_same_keys_and_no_empty_text() -> None:
    settings = Settings(templates_dir=ROOT / "templates")
    loaded = {lang.value: strings(settings, lang) for lang in UiLanguage}
    keys = {lang: set(texts) for lang, texts in loaded.items()}
    assert keys["fi"] == keys["sv"] == keys["en"]
    assert all(str(v).strip() for texts in loaded.values() for v in texts.values())
    assert {f"action_{a.value}" for a in AuditAction} <= keys["fi"]
    assert {f"role_{r.value}" for r in UserRole} <= keys["fi"]
    assert {f"nav_{item.key}" for item in NAV} <= keys["fi"]


@pytest.mark.parametrize("language", list(UiLanguage))
def test_each_catalogue_part_has_the_same_keys_in_every_language(language: UiLanguage) -> None:
    """A part file (`editor.fi.yaml`) must exist with the same keys in fi, sv and en."""
    root = ROOT / "templates"
    for path in catalogue_files(root, language.value):
        part = path.name.removesuffix(f"{language.value}.yaml")
        fi = yaml.safe_load((path.parent / f"{part}fi.yaml").read_text("utf-8")) or {}
        mine = yaml.safe_load(path.read_text("utf-8")) or {}
        assert set(mine) == set(fi), path.name


def test_a_key_defined_in_two_catalogue_files_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "web" / "workspace" / "i18n"
    folder.mkdir(parents=True)
    (folder / "fi.yaml").write_text("title: Otsikko\n", "utf-8")
    (folder / "editor.fi.yaml").write_text("title: Toinen\n", "utf-8")
    with pytest.raises(ValueError, match=r"editor\.fi\.yaml: key 'title' is already defined"):
        strings(Settings(templates_dir=tmp_path), UiLanguage.FI)


@pytest.mark.parametrize("language", list(UiLanguage))
@pytest.mark.parametrize("role", list(UserRole))
def test_every_signed_in_page_renders_in_every_language_for_every_role(
    browser: Browser, clock_ctx: ClockContext, language: UiLanguage, role: UserRole
) -> None:
    make_user(clock_ctx, "u@vip.example", role, language=language)
    browser.log_in("u@vip.example")
    for path in ("/", "/audit"):
        page = browser.get(path)
        assert page.status_code in (200, 403)
        assert f'<html lang="{language.value}">' in page.text


# --- throttling ----------------------------------------------------------------------------


def test_five_wrong_passwords_from_one_client_answer_429_until_the_window_ends(
    make_browser: Callable[..., Browser], people: None
) -> None:
    browser = make_browser()
    context: ClockContext = browser.context  # type: ignore[attr-defined]
    for _ in range(4):
        assert browser.log_in("aino.admin@vip.example", "wrong-password-1").status_code == 400
    fifth = browser.log_in("aino.admin@vip.example", "wrong-password-1")
    assert fifth.status_code == 429
    assert fifth.headers["retry-after"] == "900"
    assert "Liian monta epäonnistunutta yritystä" in fifth.text
    assert 'aria-describedby="login-error"' in fifth.text
    # while held, not even the right password (nor another account) gets in from this client
    assert browser.log_in("aino.admin@vip.example").status_code == 429
    assert browser.log_in("kaisa.koordinaattori@vip.example").status_code == 429
    context.advance(minutes=15)
    assert browser.log_in("aino.admin@vip.example").status_code == 303


def test_ten_failures_on_one_account_hold_it_whatever_the_client(
    clock_ctx: ClockContext, people: None
) -> None:
    email = "bo.godkannare@vip.example"
    for i in range(9):
        refused = log_in(clock_ctx, email, "wrong-password-1", client=f"192.0.2.{i}")
        assert refused.outcome is LoginOutcome.REFUSED
    tenth = log_in(clock_ctx, email, "wrong-password-1", client="192.0.2.9")
    assert (tenth.outcome, tenth.retry_after) == (LoginOutcome.THROTTLED, 900)
    assert log_in(clock_ctx, email, PASSWORD, client="198.51.100.1").outcome is (
        LoginOutcome.THROTTLED
    )
    other = log_in(clock_ctx, "aino.admin@vip.example", PASSWORD, client="198.51.100.1")
    assert other.outcome is LoginOutcome.OK
    clock_ctx.advance(minutes=15)
    assert log_in(clock_ctx, email, PASSWORD, client="198.51.100.1").outcome is LoginOutcome.OK
    throttled = [r for r in audit_page(clock_ctx).rows if r.detail == "throttled"]
    assert len(throttled) == 1  # the attempt refused without a password check


def test_a_successful_login_clears_the_clients_failures(
    clock_ctx: ClockContext, people: None
) -> None:
    email = "aino.admin@vip.example"
    for _ in range(2):
        for _ in range(4):
            assert log_in(clock_ctx, email, "wrong-password-1", client="t").outcome is (
                LoginOutcome.REFUSED
            )
        assert log_in(clock_ctx, email, PASSWORD, client="t").outcome is LoginOutcome.OK
