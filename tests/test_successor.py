"""A contact who leaves names a successor on their page (issue 15): the successor gets a
bilingual letter with an expiring link, confirms and becomes a pending contact of the same
organisation and region in the language they chose, a coordinator approves in the workspace,
and the next send goes to the successor and not to the leaver. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mailer.core.accounts import AuditAction, UserRole
from mailer.pipeline.audit import audit_page
from mailer.pipeline.send.deliver import deliver
from mailer.providers.outbox import OutboxProvider
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
from tests.contact_page_support import (
    form_token,
    history,
    leaver,
    link_in,
    row,
    sent,
    submit,
    text_of,
)
from tests.test_send_support import MONTH, compiled_edition

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

pytestmark = pytest.mark.usefixtures("cheap_hashing")

AINO = "aino.leaver@espoo.example"
SAGA = "saga.seuraaja@espoo.example"
COORDINATOR = "kaisa@vip-verkosto.example"


def _name_saga(browser: Browser, page: str, **more: str) -> str:
    answer = submit(
        browser, page, "successor", successor_first_name="Saga", successor_last_name="Seuraaja",
        successor_email="Saga.Seuraaja@Espoo.example", **more,
    )  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"].endswith("?done=successor")
    [letter] = sent(browser.context)
    return link_in(letter)


def _confirm(browser: Browser, link: str, language: str) -> str:
    page = browser.get(link)
    assert page.status_code == 200
    answer = browser.post(link, {"form_token": form_token(page.text), "language": language})
    assert answer.status_code == 200
    return answer.text


def _approve_in_workspace(browser: Browser, clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR)
    browser.log_in(COORDINATOR)
    listing = browser.get("/pending")
    assert listing.status_code == 200 and "Saga Seuraaja" in listing.text
    assert "Aino Lähtijä" in listing.text  # who named them
    saga = row(clock_ctx, SAGA)
    assert saga is not None
    answer = browser.post(f"/pending/{saga['id']}/approve", {"csrf_token": csrf_of(listing.text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/pending?done=approved"


def test_the_successor_letter_is_bilingual_explains_the_role_and_changes_nothing_yet(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    _name_saga(browser, page)
    [letter] = sent(clock_ctx)
    assert letter["To"].addresses[0].addr_spec == SAGA
    text = text_of(letter)
    assert "VIPU-yhdyshenkilö" in text and "VIPU-kontaktperson" in text
    assert "Aino Lähtijä" in text and "Espoon kaupunki" in text
    assert row(clock_ctx, SAGA) is None  # nothing before confirmation
    assert row(clock_ctx, AINO)["status"] == "active"  # type: ignore[index]
    assert ("successor_named", "contact:1") in history(clock_ctx, AINO)


def test_successor_to_pending_to_approved_then_the_next_send_skips_the_leaver(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    link = _name_saga(browser, page, successor_role="welfare")
    assert row(clock_ctx, SAGA) is None  # GET of the link creates nobody
    browser.get(link)
    assert row(clock_ctx, SAGA) is None
    done = _confirm(browser, link, "sv")
    assert "koordinator godkänner" in done
    saga = row(clock_ctx, SAGA)
    assert saga is not None
    assert (saga["status"], saga["language"], saga["role"]) == ("pending", "sv", "welfare")
    assert (saga["organisation"], saga["region"]) == ("Espoon kaupunki", "hyks")
    assert row(clock_ctx, AINO)["status"] == "active"  # type: ignore[index]
    _approve_in_workspace(browser, clock_ctx)
    assert row(clock_ctx, SAGA)["status"] == "active"  # type: ignore[index]
    assert row(clock_ctx, AINO)["status"] == "retired"  # type: ignore[index]
    report = deliver(clock_ctx, MONTH, compiled_edition(), OutboxProvider(clock_ctx.settings))
    assert (report.accepted, report.skipped) == (1, {"retired": 1})
    [letter] = sorted((clock_ctx.settings.outbox_dir / MONTH).glob("*.eml"))
    assert SAGA in letter.read_text(encoding="utf-8")
    actions = [r.action for r in audit_page(clock_ctx).rows]
    for action in (
        AuditAction.SUCCESSOR_NAMED,
        AuditAction.SUCCESSOR_CONFIRMED,
        AuditAction.PENDING_APPROVED,
    ):
        assert action in actions


def test_with_auto_approve_confirmation_alone_is_enough(
    make_browser: Callable[..., Browser], clock_ctx: ClockContext
) -> None:
    browser = make_browser(successor_auto_approve=True)
    page = leaver(clock_ctx)
    done = _confirm(browser, _name_saga(browser, page), "fi")
    assert "Saat seuraavan VIPU-kuukausikirjeen" in done
    assert row(clock_ctx, SAGA)["status"] == "active"  # type: ignore[index]
    assert row(clock_ctx, AINO)["status"] == "retired"  # type: ignore[index]


def test_asking_to_stop_now_retires_the_leaver_at_once(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    _name_saga(browser, page, stop_now="yes")
    assert row(clock_ctx, AINO)["status"] == "retired"  # type: ignore[index]


def test_a_rejected_successor_is_gone_and_the_leaver_stays(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    _confirm(browser, _name_saga(browser, page), "fi")
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR)
    browser.log_in(COORDINATOR)
    listing = browser.get("/pending")
    saga = row(clock_ctx, SAGA)
    assert saga is not None
    answer = browser.post(f"/pending/{saga['id']}/reject", {"csrf_token": csrf_of(listing.text)})
    assert answer.headers["location"] == "/pending?done=rejected"
    assert row(clock_ctx, SAGA) is None
    assert row(clock_ctx, AINO)["status"] == "active"  # type: ignore[index]
    assert AuditAction.PENDING_REJECTED in [r.action for r in audit_page(clock_ctx).rows]


def test_the_pending_list_needs_manage_contacts_and_its_posts_csrf(
    make_browser: Callable[..., Browser], clock_ctx: ClockContext
) -> None:
    browser = make_browser()
    page = leaver(clock_ctx)
    _confirm(browser, _name_saga(browser, page), "fi")
    saga = row(clock_ctx, SAGA)
    assert saga is not None
    make_user(clock_ctx, "admin@vip-verkosto.example", UserRole.ADMIN)
    browser.log_in("admin@vip-verkosto.example")
    assert browser.get("/pending").status_code == 403
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR)
    browser = make_browser()
    browser.log_in(COORDINATOR)
    assert browser.post(f"/pending/{saga['id']}/approve", {}).status_code == 403
    assert row(clock_ctx, SAGA)["status"] == "pending"  # type: ignore[index]


def test_a_successor_link_ends_and_confirming_twice_adds_nobody_twice(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    link = _name_saga(browser, page)
    _confirm(browser, link, "fi")
    assert "jo jakelulistalla" in _confirm(browser, link, "fi")
    browser.context.advance(hours=73)
    assert browser.get(link).status_code == 404


def test_a_successor_may_not_be_the_leaver_and_errors_name_the_field(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    answer = submit(browser, page, "successor", successor_first_name="Aino",
                    successor_last_name="", successor_email=AINO)  # fmt: skip
    assert answer.status_code == 422
    assert 'id="successor_email-error"' in answer.text
    assert 'aria-describedby="successor_last_name-error"' in answer.text
    assert sent(clock_ctx) == []
