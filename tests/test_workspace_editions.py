"""The workspace's editions in-process, on both backends: the list, starting a month, the
overview, the history with each revision's text, the YAML export and the import of a file;
logins, roles, CSRF and the audit log on each."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from mailer.cli import app as cli_app
from mailer.core.accounts import AuditAction, UserRole
from mailer.pipeline import Context
from mailer.pipeline.audit import audit_page
from mailer.pipeline.editions.revisions import revision_history
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

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "letters" / "2026-11.yaml"
COORDINATOR = "kaisa.koordinaattori@vip.example"
APPROVER = "bo.berg@vip.example"
ADMIN = "aino.admin@vip.example"

pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture
def people(clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR, name="Kaisa Koordinaattori")
    make_user(clock_ctx, APPROVER, UserRole.APPROVER, name="Bo Berg")
    make_user(clock_ctx, ADMIN, UserRole.ADMIN, name="Aino Admin")


@pytest.fixture
def november(clock_ctx: ClockContext) -> None:
    import_letters(clock_ctx, SAMPLE, by="Testi Tuoja")


def _actions(ctx: Context) -> list[tuple[AuditAction, str]]:
    return [(row.action, row.target) for row in reversed(audit_page(ctx).rows)]


def upload(browser: Browser, name: str, content: bytes, token: str | None) -> httpx.Response:
    data = {"csrf_token": token} if token else {}
    files = {"file": (name, content, "application/yaml")}
    return browser.jar.take(
        browser.client.post(
            "/editions/import", data=data, files=files, headers=browser.jar.headers()
        )
    )


# --- who may see and do what -----------------------------------------------------------------

PAGES = ("/editions", "/editions/2026-11", "/editions/2026-11/history",
         "/editions/2026-11/history/1", "/editions/2026-11/history/1.yaml",
         "/editions/2026-11/export")  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_login(browser: Browser, november: None, path: str) -> None:
    response = browser.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


@pytest.mark.parametrize("path", PAGES)
def test_coordinators_and_approvers_see_every_page_and_admins_get_403(
    make_browser: object, people: None, november: None, path: str
) -> None:
    for email, status in ((COORDINATOR, 200), (APPROVER, 200), (ADMIN, 403)):
        visitor = make_browser()  # type: ignore[operator]
        visitor.log_in(email)
        assert visitor.get(path).status_code == status, email


@pytest.mark.parametrize("path", ["/editions/new", "/editions/import"])
def test_posts_without_a_csrf_token_answer_403(
    browser: Browser, people: None, november: None, path: str
) -> None:
    browser.log_in(COORDINATOR)
    if path == "/editions/import":
        response = upload(browser, "2026-11.yaml", SAMPLE.read_bytes(), None)
    else:
        response = browser.post(path, {"month": "2026-12"})
    assert response.status_code == 403


def test_an_admin_may_not_start_an_edition(browser: Browser, people: None, november: None) -> None:
    browser.log_in(ADMIN)
    token = csrf_of(browser.get("/").text)
    response = browser.post("/editions/new", {"month": "2026-12", "csrf_token": token})
    assert response.status_code == 403
    assert revision_history(browser.context, "2026-12") == []


def test_an_unknown_or_malformed_month_is_404(browser: Browser, people: None) -> None:
    browser.log_in(COORDINATOR)
    assert browser.get("/editions/2031-01").status_code == 404
    assert browser.get("/editions/not-a-month/history").status_code == 404


# --- the list and a new month ----------------------------------------------------------------


def test_the_list_shows_each_edition_with_its_state_revision_and_author(
    browser: Browser, people: None, november: None
) -> None:
    browser.log_in(COORDINATOR)
    html = browser.get("/editions").text
    assert '<a href="/editions/2026-11">2026-11</a>' in html
    assert "Luonnos" in html and "Testi Tuoja" in html
    assert 'href="/editions"' in html and 'aria-current="page"' in html  # the main navigation
    assert 'action="/editions/new"' in html and 'action="/editions/import"' in html


def test_an_approver_sees_the_list_and_a_new_edition_form(
    browser: Browser, people: None, november: None
) -> None:
    browser.log_in(APPROVER)
    assert 'action="/editions/new"' in browser.get("/editions").text


def test_starting_a_month_copies_the_latest_and_is_audited(
    browser: Browser, people: None, november: None
) -> None:
    browser.log_in(COORDINATOR)
    token = csrf_of(browser.get("/editions").text)
    response = browser.post("/editions/new", {"month": "2026-12", "from": "", "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/editions/2026-12?done=started"
    (revision,) = revision_history(browser.context, "2026-12")
    assert revision.author == COORDINATOR
    assert "new from 2026-11 r1" in (revision.note or "")
    overview = browser.get(response.headers["location"]).text
    assert "Uusi kirje aloitettiin" in overview and "reword:" in overview
    assert (AuditAction.EDITION_STARTED, "2026-12") in _actions(browser.context)


def test_a_bad_or_taken_month_is_shown_next_to_its_field(
    browser: Browser, people: None, november: None
) -> None:
    browser.log_in(COORDINATOR)
    token = csrf_of(browser.get("/editions").text)
    for month in ("2026-13", "2026-11"):
        response = browser.post("/editions/new", {"month": month, "csrf_token": token})
        assert response.status_code == 400
        assert 'id="new-month-error"' in response.text
        assert 'aria-invalid="true"' in response.text
        assert f'value="{month}"' in response.text  # the input is kept


# --- overview, history, export ---------------------------------------------------------------


def test_the_overview_shows_state_latest_revision_check_and_the_edition_pages(
    browser: Browser, people: None, november: None
) -> None:
    browser.log_in(COORDINATOR)
    html = browser.get("/editions/2026-11").text
    assert "<h1>Kirje 2026-11</h1>" in html
    assert 'class="edition-nav"' in html
    assert 'href="/editions/2026-11/history"' in html
    assert "Testi Tuoja" in html and "Luonnos" in html
    assert "Tarkistus" in html


def test_history_lists_revisions_with_what_changed_and_their_texts(
    browser: Browser, people: None, november: None, tmp_path: Path
) -> None:
    changed = SAMPLE.read_text("utf-8").replace(
        "fi: Lue opas", "fi: Lue koko opas"
    )  # a label of national[1]
    (tmp_path / "2026-11.yaml").write_text(changed, "utf-8")
    import_letters(browser.context, tmp_path / "2026-11.yaml", by="Toinen Tuoja")
    browser.log_in(COORDINATOR)
    html = browser.get("/editions/2026-11/history").text
    assert "national[1].link.label.fi" in html and "Toinen Tuoja" in html
    assert 'href="/editions/2026-11/history/1.yaml"' in html
    page = browser.get("/editions/2026-11/history/1")
    assert page.status_code == 200 and "Lue opas" in page.text
    download = browser.get("/editions/2026-11/history/2.yaml")
    assert download.text == changed
    assert 'filename="2026-11-r2.yaml"' in download.headers["content-disposition"]
    assert browser.get("/editions/2026-11/history/9").status_code == 404


def test_the_export_is_the_cli_export_byte_for_byte(
    browser: Browser, people: None, november: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser.log_in(APPROVER)
    response = browser.get("/editions/2026-11/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    monkeypatch.setenv("MAILER_DATABASE_URL", browser.context.settings.database_url)
    result = CliRunner().invoke(cli_app, ["edition", "export", "2026-11"])
    assert result.exit_code == 0, result.output
    assert response.text == result.output == SAMPLE.read_text("utf-8")


# --- import ----------------------------------------------------------------------------------


def test_an_uploaded_file_becomes_a_revision_and_is_audited(
    browser: Browser, people: None, clock_ctx: ClockContext
) -> None:
    browser.log_in(COORDINATOR)
    token = csrf_of(browser.get("/editions").text)
    response = upload(browser, "2026-11.yaml", SAMPLE.read_bytes(), token)
    assert response.status_code == 303
    assert response.headers["location"] == "/editions/2026-11?done=imported"
    (revision,) = revision_history(clock_ctx, "2026-11")
    assert revision.author == COORDINATOR and revision.text == SAMPLE.read_text("utf-8")
    assert (AuditAction.EDITION_IMPORTED, "2026-11") in _actions(clock_ctx)
    again = upload(browser, "2026-11.yaml", SAMPLE.read_bytes(), token)
    assert again.headers["location"] == "/editions/2026-11?done=unchanged"
    assert len(revision_history(clock_ctx, "2026-11")) == 1


def test_an_invalid_upload_shows_file_line_problems_and_stores_nothing(
    browser: Browser, people: None, clock_ctx: ClockContext
) -> None:
    broken = SAMPLE.read_text("utf-8").replace(
        "  sv: November 2026: uppföljningen", "  sv_x: November"
    )
    broken = broken.replace(
        '  sv: "November 2026: uppföljningen av stödet och höstens evenemang"', "  svv: x"
    )
    browser.log_in(COORDINATOR)
    token = csrf_of(browser.get("/editions").text)
    response = upload(browser, "2026-11.yaml", broken.encode(), token)
    assert response.status_code == 400
    assert "2026-11.yaml:8</code> subject.svv" in response.text
    assert "subject.sv" in response.text
    assert revision_history(clock_ctx, "2026-11") == []
    not_utf8 = upload(browser, "2026-11.yaml", "month: ä".encode("latin-1"), token)
    assert not_utf8.status_code == 400  # in the coordinator's language (fi), not English
    assert "Tiedosto ei ole UTF-8-tekstiä" in not_utf8.text and "not UTF-8" not in not_utf8.text


def test_an_import_larger_than_the_public_limit_but_within_the_editions_bound_is_read(
    browser: Browser, people: None, clock_ctx: ClockContext
) -> None:
    padded = SAMPLE.read_text("utf-8") + "# " + "x" * 100_000 + "\n"
    browser.log_in(COORDINATOR)
    token = csrf_of(browser.get("/editions").text)
    assert upload(browser, "2026-11.yaml", padded.encode(), token).status_code == 303
    huge = padded + "# " + "y" * 1_100_000 + "\n"
    assert upload(browser, "2026-11.yaml", huge.encode(), token).status_code == 413
