"""Requesting an approval, in-process on both backends: the coordinator's request mails every
approver who may approve the latest revision (never its author, never a disabled or invited
account), each in their own language with the coordinator's words and the approval page's
link; one audit entry; a clear notice when nobody can be asked."""

from __future__ import annotations

import email
import email.policy

import pytest

from mailer.core.accounts import AuditAction, UiLanguage, UserRole
from mailer.pipeline.editions.lapse_notice import approval_link
from mailer.pipeline.user_admin import disable
from mailer.pipeline.workspace_mail import OUTBOX_FOLDER
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
from tests.editions_data import import_letters
from tests.review_support import (
    APPROVER,
    COORDINATOR,
    MONTH,
    SAMPLE,
    SECOND_APPROVER,
    entries,
    people,
)

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser", "people"]

pytestmark = pytest.mark.usefixtures("cheap_hashing", "people")

PAGE = f"/editions/{MONTH}/approval"


def _request(browser: Browser, message: str = "") -> object:
    token = csrf_of(browser.get(PAGE).text)
    return browser.post(
        f"/editions/{MONTH}/approval/request", {"csrf_token": token, "message": message}
    )


def _mails(ctx: ClockContext) -> dict[str, email.message.EmailMessage]:
    found = {}
    for path in (ctx.settings.outbox_dir / OUTBOX_FOLDER).rglob("*.eml"):
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        found[mail["To"].addresses[0].addr_spec] = mail  # type: ignore[union-attr]
    return found


def test_a_request_mails_each_approver_in_their_language(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    import_letters(clock_ctx, SAMPLE, by=COORDINATOR)
    make_user(clock_ctx, "ei.kaytossa@vip.example", UserRole.APPROVER)
    disable(clock_ctx, "ei.kaytossa@vip.example", actor="cli:test")
    browser.log_in(COORDINATOR)
    response = _request(browser, "Tapahtumat on tarkistettu {month} <b>")
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = browser.get(response.headers["location"]).text  # type: ignore[attr-defined]
    assert "Hyväksyntäpyyntö lähetettiin 2 hyväksyjälle." in page
    mails = _mails(clock_ctx)
    assert set(mails) == {APPROVER, SECOND_APPROVER}  # not the disabled one, not the admin
    swedish = mails[APPROVER]
    assert swedish["Subject"] == f"VIPU {MONTH}: brevet väntar på ditt godkännande"
    body = swedish.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Tapahtumat on tarkistettu {month} <b>" in body  # their words, as written
    assert approval_link(clock_ctx, MONTH) in body
    html = swedish.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;b&gt;" in html and "<b>" not in html
    [entry] = [e for e in entries(clock_ctx) if e.action is AuditAction.APPROVAL_REQUESTED]
    assert entry.actor == COORDINATOR and entry.target == MONTH
    assert entry.detail.startswith("revision 1; asked 2:")


def test_the_author_of_the_revision_is_not_asked(browser: Browser, clock_ctx: ClockContext) -> None:
    import_letters(clock_ctx, SAMPLE, by=SECOND_APPROVER)  # an approver wrote it
    browser.log_in(COORDINATOR)
    _request(browser)
    assert set(_mails(clock_ctx)) == {APPROVER}


def test_nobody_to_ask_is_said_plainly(browser: Browser, clock_ctx: ClockContext) -> None:
    import_letters(clock_ctx, SAMPLE, by=APPROVER)
    disable(clock_ctx, SECOND_APPROVER, actor="cli:test")
    make_user(clock_ctx, "uusi@vip.example", UserRole.COORDINATOR, language=UiLanguage.EN)
    browser.log_in("uusi@vip.example")
    response = _request(browser)
    page = browser.get(response.headers["location"]).text  # type: ignore[attr-defined]
    assert "The request could not be sent to anyone" in page
    assert _mails(clock_ctx) == {}


def test_requesting_needs_the_editing_role_and_a_csrf_token(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    import_letters(clock_ctx, SAMPLE, by=COORDINATOR)
    browser.log_in(COORDINATOR)
    bare = browser.post(f"/editions/{MONTH}/approval/request", {"message": "x"})
    assert bare.status_code == 403
    assert _mails(clock_ctx) == {}
    admin = Browser(browser.client)  # a second browser on the same app
    admin.log_in("aino.admin@vip.example")
    token = csrf_of(admin.get("/").text)
    refused = admin.post(f"/editions/{MONTH}/approval/request", {"csrf_token": token})
    assert refused.status_code == 403
    assert "request-approval" not in admin.get(PAGE).text


def test_an_approved_edition_offers_no_request(browser: Browser, clock_ctx: ClockContext) -> None:
    from mailer.pipeline.editions.check import approve_edition

    import_letters(clock_ctx, SAMPLE, by=COORDINATOR)
    approve_edition(clock_ctx, MONTH, "Bo Berg", override="test")
    browser.log_in(COORDINATOR)
    assert 'id="request-approval"' not in browser.get(PAGE).text
