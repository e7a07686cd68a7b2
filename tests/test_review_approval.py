"""The approval page in-process, on both backends: roles, CSRF, four-eyes, the note, the
one-person setting, unapprove, and a change after approval returning the edition to draft."""

from __future__ import annotations

import pytest

from mailer.core.accounts import AuditAction
from mailer.core.accounts.four_eyes import FourEyesError
from mailer.pipeline.editions import approval
from mailer.pipeline.editions.check import approval_status
from mailer.pipeline.editions.revisions import export_edition
from tests.accounts_support import (
    Browser,
    ClockContext,
    browser,
    cheap_hashing,
    clock_ctx,
    csrf_of,
    make_browser,
)
from tests.editions_data import import_letters
from tests.review_support import (
    APPROVER,
    COORDINATOR,
    MONTH,
    SECOND_APPROVER,
    edition,
    entries,
    people,
)

__all__ = ["browser", "cheap_hashing", "clock_ctx", "edition", "make_browser", "people"]

pytestmark = pytest.mark.usefixtures("cheap_hashing", "people", "edition")
PAGE = f"/editions/{MONTH}/approval"


def _approve(browser: Browser, note: str = "") -> object:
    token = csrf_of(browser.get(PAGE).text)
    return browser.post(f"/editions/{MONTH}/approve", {"csrf_token": token, "note": note})


def _change(ctx: ClockContext, by: str) -> None:
    """A new revision: the latest with one word added to the intro."""
    text = export_edition(ctx, MONTH).text.replace("kerromme", "kerromme nyt", 1)
    path = ctx.settings.var_dir / f"{MONTH}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    ctx.advance(minutes=5)
    import_letters(ctx, path, by=by)


def test_the_page_needs_a_session(browser: Browser) -> None:
    response = browser.get(PAGE)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_an_approver_sees_the_state_the_revision_the_check_and_the_form(browser: Browser) -> None:
    browser.log_in(APPROVER)
    response = browser.get(PAGE)
    assert response.status_code == 200
    html = response.text
    assert '<html lang="sv">' in html
    assert "Godkännande av brevet 2026-11" in html
    assert 'id="edition-state">Utkast<' in html
    assert f"sparad av {COORDINATOR}" in html
    assert 'id="check-result"' in html
    assert '<label for="note">' in html and 'id="approve"' in html
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


def test_an_unknown_or_malformed_month_is_404(browser: Browser) -> None:
    browser.log_in(APPROVER)
    assert browser.get("/editions/2031-01/approval").status_code == 404
    assert browser.get("/editions/nov/approval").status_code == 404


def test_a_coordinator_sees_the_state_but_cannot_approve(browser: Browser) -> None:
    browser.log_in(COORDINATOR)
    page = browser.get(PAGE)
    assert page.status_code == 200 and 'id="approve"' not in page.text
    token = csrf_of(page.text)
    refused = browser.post(f"/editions/{MONTH}/approve", {"csrf_token": token, "note": "x"})
    assert refused.status_code == 403
    assert approval_status(browser.context, MONTH).state == "draft"


def test_approving_without_a_csrf_token_is_refused(browser: Browser) -> None:
    browser.log_in(APPROVER)
    assert browser.post(f"/editions/{MONTH}/approve", {"note": "x"}).status_code == 403
    assert browser.post(f"/editions/{MONTH}/unapprove", {}).status_code == 403
    assert approval_status(browser.context, MONTH).state == "draft"


def test_a_second_person_approves_with_a_note_and_the_audit_log_says_so(
    browser: Browser,
) -> None:
    browser.log_in(APPROVER)
    response = _approve(browser, note="Tarkistettu, linkit toimivat.")
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}?done=approved"
    status = approval_status(browser.context, MONTH)
    assert (status.state, status.approved_by, status.approved_revision) == ("approved", APPROVER, 1)
    assert status.note == "Tarkistettu, linkit toimivat." and not status.single_person
    page = browser.get(f"{PAGE}?done=approved").text
    assert 'role="status"' in page and "Tarkistettu, linkit toimivat." in page
    last = entries(browser.context)[-1]
    assert (last.actor, last.action, last.target) == (APPROVER, AuditAction.EDITION_APPROVED, MONTH)
    assert "revision 1" in last.detail and "Tarkistettu" in last.detail


def test_the_author_of_the_revision_may_not_approve_it(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    _change(clock_ctx, by=APPROVER)  # revision 2 saved by the approver
    browser.log_in(APPROVER)
    page = browser.get(PAGE).text
    assert 'id="four-eyes"' in page and 'id="approve"' not in page
    refused = _approve(browser)
    assert refused.status_code == 403
    assert 'role="alert"' in refused.text and APPROVER in refused.text
    assert approval_status(browser.context, MONTH).state == "draft"
    with pytest.raises(FourEyesError):  # the same rule under the pipeline (and the CLI)
        approval.approve(clock_ctx, MONTH, approval.Approver("Bo", (APPROVER,), "cli:bo"))


def test_the_display_name_counts_as_the_same_person(clock_ctx: ClockContext) -> None:
    _change(clock_ctx, by="Bo Berg")
    who = approval.Approver(APPROVER, (APPROVER, "Bo Berg"), APPROVER)
    with pytest.raises(FourEyesError, match="revision 2 was saved by Bo Berg"):
        approval.approve(clock_ctx, MONTH, who)


def test_the_single_person_setting_allows_the_author_and_records_it(
    make_browser: object, clock_ctx: ClockContext
) -> None:
    _change(clock_ctx, by=APPROVER)
    browser = make_browser(approval_single_person=True)  # type: ignore[operator]
    browser.log_in(APPROVER)
    assert _approve(browser, note="Pieni tiimi").status_code == 303
    status = approval_status(browser.context, MONTH)
    assert status.state == "approved" and status.single_person
    assert "(one person)" in entries(browser.context)[-1].detail
    assert "godkänd av den som sparade den" in browser.get(PAGE).text


def test_unapprove_returns_the_edition_to_draft_and_records_who_and_when(
    make_browser: object,
) -> None:
    first = make_browser()  # type: ignore[operator]
    first.log_in(APPROVER)
    _approve(first)
    second = make_browser()  # type: ignore[operator]
    second.log_in(SECOND_APPROVER)
    token = csrf_of(second.get(PAGE).text)
    response = second.post(f"/editions/{MONTH}/unapprove", {"csrf_token": token})
    assert response.status_code == 303
    status = approval_status(second.context, MONTH)
    assert status.state == "draft" and status.unapproved_by == SECOND_APPROVER
    assert status.unapproved_at is not None
    last = entries(second.context)[-1]
    assert (last.actor, last.action) == (SECOND_APPROVER, AuditAction.EDITION_UNAPPROVED)
    again = second.post(f"/editions/{MONTH}/unapprove", {"csrf_token": token})
    assert again.status_code == 409
    # a withdrawn approval is not an approval: the send refuses
    from mailer.core.errors import EditionNotApprovedError
    from mailer.pipeline.editions.check import require_approved

    with pytest.raises(EditionNotApprovedError, match="withdrew"):
        require_approved(second.context, MONTH)


def test_a_change_after_approval_makes_a_draft_with_a_reminder_and_an_audit_entry(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    browser.log_in(APPROVER)
    _approve(browser)
    _change(clock_ctx, by=COORDINATOR)
    status = approval_status(clock_ctx, MONTH)
    assert status.state == "draft" and status.changed_since_approval
    lapsed, notice = entries(clock_ctx)[-2:]  # the notice to the approver follows the commit
    assert (lapsed.action, lapsed.actor, lapsed.target) == (
        AuditAction.APPROVAL_LAPSED, COORDINATOR, MONTH,
    )  # fmt: skip
    assert notice.action is AuditAction.APPROVAL_LAPSE_NOTICE
    assert lapsed.detail == f"approved revision 1 ({APPROVER}); changed to revision 2"
    page = browser.get(PAGE).text
    assert 'id="lapsed"' in page and "version 2" in page
    reminders = approval.lapsed_approvals(clock_ctx)
    assert [(r.approved_revision, r.revision, r.changed_by) for r in reminders] == [
        (1, 2, COORDINATOR)
    ]
    _change(clock_ctx, by=COORDINATOR)  # a third revision: no second lapse entry
    assert [e.action for e in entries(clock_ctx)].count(AuditAction.APPROVAL_LAPSED) == 1
