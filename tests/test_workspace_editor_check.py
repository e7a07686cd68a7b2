"""The editor's live check in-process, on both backends: POST /editions/<month>/check takes the
editor's form as the save does, answers the save's problems as the form's own notes in the
user's language, and stores nothing; the script it needs is served under the editor page's CSP.
The script's behaviour in a browser: tests/test_browser_editor_check.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline.audit import audit_page
from mailer.pipeline.editions.check import approval_status, approve_edition
from mailer.pipeline.editions.revisions import revision_history
from mailer.web.editions import EDITION_MAX_BODY
from tests.accounts_support import (
    Browser,
    ClockContext,
    browser,
    cheap_hashing,
    clock_ctx,
    make_browser,
    make_user,
)
from tests.editions_data import import_letters, post_editor

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "letters" / "2026-11.yaml"
COORDINATOR = "kaisa.koordinaattori@vip.example"
EDIT = "/editions/2026-11/edit"
CHECK = "/editions/2026-11/check"
HTTP_LINK = "http://vipu.example/uutinen"
SCRIPT_FILE = "editor-check.js"
SCRIPT = f"/static/{SCRIPT_FILE}"

pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture
def editing(clock_ctx: ClockContext, browser: Browser) -> Browser:
    """November imported, a coordinator (Finnish UI) signed in."""
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR, name="Kaisa Koordinaattori")
    import_letters(clock_ctx, SAMPLE, by="Testi Tuoja")
    browser.log_in(COORDINATOR)
    return browser


def _notes(html: str, element_id: str) -> str:
    """The notes container of one field, as the page or the check's answer has it."""
    found = re.search(rf'<div class="notes" id="{element_id}-notes".*?</div>', html, re.S)
    assert found is not None, element_id
    return found.group(0)


def _count(html: str) -> int:
    found = re.search(r'id="check-result" data-count="(\d+)"', html)
    assert found is not None, html[:500]
    return int(found.group(1))


# --- access ------------------------------------------------------------------------------------


def test_a_check_without_a_csrf_token_is_refused(editing: Browser) -> None:
    response = post_editor(editing, "2026-11", drop=("csrf_token",), to="check")
    assert response.status_code == 403


def test_a_role_without_edit_rights_may_not_check(
    editing: Browser, make_browser: Callable[..., Browser], clock_ctx: ClockContext
) -> None:
    form = editing.get(EDIT).text
    make_user(clock_ctx, "aino.admin@vip.example", UserRole.ADMIN)
    admin = make_browser()
    admin.log_in("aino.admin@vip.example")
    own_token = form.replace(_csrf(form), _csrf(admin.get("/").text))
    assert post_editor(admin, "2026-11", html=own_token, to="check").status_code == 403


def test_a_signed_out_visitor_is_sent_to_login(
    editing: Browser, make_browser: Callable[..., Browser]
) -> None:
    visitor = make_browser()
    token = _csrf(visitor.get("/login").text)  # a good token, of no session
    response = visitor.post(CHECK, {"csrf_token": token, "subject.fi": "Uusi"})
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_a_token_of_an_ended_session_is_refused(editing: Browser) -> None:
    form = editing.get(EDIT).text
    assert editing.post("/logout", {"csrf_token": _csrf(form)}).status_code == 303
    assert post_editor(editing, "2026-11", html=form, to="check").status_code == 403


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


# --- the answer --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (UiLanguage.FI, f"Linkki ”{HTTP_LINK}” ei ole täydellinen https://-osoite."),
        (UiLanguage.SV, f"Länken ”{HTTP_LINK}” är inte en fullständig https://-adress."),
        (UiLanguage.EN, f"The link “{HTTP_LINK}” is not a complete https:// address."),
    ],
)
def test_a_bad_link_is_answered_at_its_field_in_the_users_language(
    browser: Browser, clock_ctx: ClockContext, language: UiLanguage, expected: str
) -> None:
    email = f"kaisa.{language.value}@vip.example"
    make_user(clock_ctx, email, UserRole.COORDINATOR, language=language)
    import_letters(clock_ctx, SAMPLE)
    browser.log_in(email)
    clean = post_editor(browser, "2026-11", to="check")
    assert clean.status_code == 200 and _count(clean.text) == 0
    assert 'class="notes"' not in clean.text
    response = post_editor(browser, "2026-11", {"national[1].link.url": HTTP_LINK}, to="check")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    notes = _notes(response.text, "f-national-1-link-url")
    assert 'id="f-national-1-link-url-p1"' in notes and "data-invalid" in notes
    assert expected in notes.replace("&#34;", '"')
    assert _count(response.text) == 1


def test_the_check_answers_the_same_notes_a_blocked_save_shows(editing: Browser) -> None:
    changes = {"national[0].title.sv": "", "events[2].start": "huomenna"}
    saved = post_editor(editing, "2026-11", changes)
    assert saved.status_code == 400
    checked = post_editor(editing, "2026-11", changes, to="check")
    for field in ("f-national-0-title-sv", "f-events-2-start"):
        assert _notes(checked.text, field) == _notes(saved.text, field)
    assert "Teksti on tyhjä." in _notes(checked.text, "f-national-0-title-sv")
    # as many as the save's error summary lists
    summary = re.search(r'id="summary-heading">[^<]*\((\d+)\)', saved.text)
    assert summary is not None and _count(checked.text) == int(summary.group(1))


def test_a_check_stores_nothing_and_leaves_the_approval_standing(editing: Browser) -> None:
    ctx = editing.context
    approve_edition(ctx, "2026-11", "Bo Berg", override="made-up reason for the test")
    audit_before = audit_page(ctx).rows
    changes = {"closing.sv": "Hej då", "subject.fi": "Marraskuu 2026: muutettu"}
    assert post_editor(editing, "2026-11", changes, to="check").status_code == 200
    assert len(revision_history(ctx, "2026-11")) == 1
    assert audit_page(ctx).rows == audit_before
    status = approval_status(ctx, "2026-11")
    assert status.state == "approved" and not status.changed_since_approval
    # the form as shown is still based on revision 1: saving it now works without a conflict
    assert post_editor(editing, "2026-11", changes).status_code == 303


def test_a_check_of_an_unknown_month_is_not_found(editing: Browser) -> None:
    form = editing.get(EDIT).text
    response = post_editor(editing, "2027-01", html=form, to="check")
    assert response.status_code == 404


def test_a_check_larger_than_a_whole_letter_is_refused_unread(editing: Browser) -> None:
    too_long = "ä" * (EDITION_MAX_BODY // 6 + 1)  # six bytes each, urlencoded
    response = post_editor(editing, "2026-11", {"intro.fi": too_long}, to="check")
    assert response.status_code == 413
    assert len(revision_history(editing.context, "2026-11")) == 1


# --- the page and its script -------------------------------------------------------------------


def test_the_editor_loads_its_script_deferred_with_the_counts_words_from_the_catalogue(
    editing: Browser,
) -> None:
    response = editing.get(EDIT)
    html = response.text
    assert f'<script src="{SCRIPT}" defer></script>' in html
    assert "<script>" not in html  # nothing inline
    assert f'data-check-url="{CHECK}"' in html
    status = re.search(r'<p [^>]*id="check-status"[^>]*>', html)
    assert status is not None and 'aria-live="polite"' in status.group(0)
    assert 'data-one="1 ongelma"' in status.group(0)
    assert 'data-many="{n} ongelmaa"' in status.group(0)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy
    # only the editor runs a script of ours
    assert "script-src" not in editing.get("/editions").headers["content-security-policy"]


def test_every_field_has_an_empty_notes_container_for_the_check_to_fill(editing: Browser) -> None:
    html = editing.get(EDIT).text
    notes = _notes(html, "f-national-1-link-url")
    assert 'data-field="f-national-1-link-url"' in notes and "<p" not in notes
    for field in ("f-subject-sv", "f-events-1-start", "f-themes", "f-events-0-regions"):
        assert f'id="{field}-notes"' in html, field


def test_the_script_is_served_as_javascript_and_revalidated_by_its_etag(editing: Browser) -> None:
    script = editing.get(SCRIPT)
    assert script.status_code == 200
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["x-content-type-options"] == "nosniff"
    assert script.content == (ROOT / "templates" / "web" / "static" / SCRIPT_FILE).read_bytes()
    again = editing.get(SCRIPT, **{"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304 and not again.content


@pytest.mark.parametrize(
    "name", ["missing.js", "..%2Fstyle.css", "editor-check.css", "Editor-check.js", "%2e%2e.js"]
)
def test_only_the_script_files_are_served(editing: Browser, name: str) -> None:
    assert editing.get(f"/static/{name}").status_code == 404
