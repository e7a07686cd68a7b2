"""The schedule page and skipped months, in-process on both backends: who sees and who changes
what, CSRF, the skip kept in the database and honoured by the scheduler's own fire functions
(a fixed clock, no sleeps), undo, and `mailer schedule skip`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from mailer.cli import app as cli
from mailer.core.accounts import AuditAction
from mailer.core.errors import ScheduleError
from mailer.core.models import ScheduleRunOutcome
from mailer.pipeline import Context
from mailer.pipeline.audit import audit_page
from mailer.pipeline.schedules.jobs import desired_jobs, load_schedules, sync_schedules
from mailer.pipeline.schedules.runs import fire_reminder, fire_send
from mailer.pipeline.schedules.skips import list_skips, skip_month, unskip_month
from mailer.store.tables import deliveries
from tests.accounts_support import (
    Browser,
    ClockContext,
    browser,
    cheap_hashing,
    clock_ctx,
    csrf_of,
    make_browser,
)
from tests.sending_support import (
    ADMIN,
    APPROVER,
    COORDINATOR,
    add_edition,
    add_people,
    add_recipients,
)
from tests.test_pipeline_schedules import FakeProvider

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

pytestmark = pytest.mark.usefixtures("cheap_hashing")

MONTH = "2026-12"
# schedules/monthly.yaml: the first Tuesday, 09:00 Helsinki; December 2026: Tuesday the 1st
PLANNED = datetime(2026, 12, 1, 7, tzinfo=UTC)
REMINDER = datetime(2026, 11, 26, 7, tzinfo=UTC)  # reminder_days: 5


@pytest.fixture
def people(clock_ctx: ClockContext) -> None:
    add_people(clock_ctx)


def _job(ctx: Context, kind: str) -> dict[str, Any]:
    [spec] = [s for s in desired_jobs(load_schedules(ctx.settings.schedules_dir)) if s.kind == kind]
    return spec.kwargs


def _fire(ctx: Context, kind: str, at: datetime, provider: FakeProvider) -> ScheduleRunOutcome:
    fire = fire_send if kind == "send" else fire_reminder
    return fire(**_job(ctx, kind), ctx=ctx, now=at, provider=provider)


def _ledger_rows(ctx: Context) -> int:
    with ctx.engine.connect() as conn:
        stmt = sa.select(sa.func.count()).where(deliveries.c.edition == MONTH)
        return int(conn.execute(stmt).scalar_one())


def _skip(browser: Browser, **data: str) -> Any:
    token = csrf_of(browser.get("/schedule").text)
    return browser.post("/schedule/skip", {"csrf_token": token, **data})


# --- the page -------------------------------------------------------------------------------------


def test_the_schedule_page_lists_the_planned_sends_per_edition_with_its_state(
    browser: Browser, clock_ctx: ClockContext, people: None, tmp_path: Path
) -> None:
    add_edition(clock_ctx, tmp_path, MONTH)
    sync_schedules(clock_ctx)
    browser.log_in(COORDINATOR)
    page = browser.get("/schedule")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="fi">' in html
    for month in ("2026-12", "2027-01", "2027-02"):
        assert f'id="month-{month}"' in html
    assert "1.12.2026 09.00" in html  # Helsinki time
    assert 'class="badge state-approved">Hyväksytty' in html
    assert 'class="badge state-missing">Puuttuu' in html
    assert 'href="/editions/2026-12/send"' in html
    assert 'action="/schedule/skip"' not in html  # a coordinator may look, not change
    assert 'href="/schedule" aria-current="page"' in html


def test_an_unsynced_job_store_shows_what_the_schedule_files_would_do(
    browser: Browser, people: None
) -> None:
    browser.log_in(APPROVER)
    html = browser.get("/schedule").text
    assert "mailer schedule sync" in html and 'id="month-2026-12"' in html
    assert '<html lang="sv">' in html


def test_who_may_see_and_who_may_change_the_schedule(browser: Browser, people: None) -> None:
    assert browser.get("/schedule").headers["location"] == "/login"
    browser.log_in(ADMIN)
    assert browser.get("/schedule").status_code == 403
    coordinator = browser
    coordinator.post("/logout", {"csrf_token": csrf_of(browser.get("/").text)})
    coordinator.log_in(COORDINATOR)
    token = csrf_of(coordinator.get("/schedule").text)
    refused = coordinator.post("/schedule/skip", {"csrf_token": token, "month": MONTH})
    assert refused.status_code == 403


def test_a_skip_without_the_csrf_token_is_refused(browser: Browser, people: None) -> None:
    browser.log_in(APPROVER)
    assert browser.post("/schedule/skip", {"month": MONTH}).status_code == 403
    assert list_skips(browser.context) == []


def test_an_approver_skips_a_month_and_undoes_it_with_the_audit_log_keeping_both(
    browser: Browser, people: None
) -> None:
    browser.log_in(APPROVER)
    done = _skip(browser, month=MONTH, scope="monthly|*", reason="Joulutauko")
    assert done.status_code == 303 and done.headers["location"] == f"/schedule#month-{MONTH}"
    [row] = list_skips(browser.context)
    assert (row.edition, row.schedule, row.target, row.reason) == (
        MONTH, "monthly", "*", "Joulutauko",
    )  # fmt: skip
    assert row.skipped_by == APPROVER
    html = browser.get("/schedule").text
    assert 'class="badge skipped"' in html and "Joulutauko" in html
    undone = _skip(browser, month=MONTH, scope="monthly|*", undo="1")
    assert undone.status_code == 303
    assert list_skips(browser.context) == []
    entries = [
        r for r in audit_page(browser.context).rows if r.action is AuditAction.SCHEDULE_CHANGED
    ]
    assert [e.detail for e in reversed(entries)] == [
        "skip monthly/*: Joulutauko",
        "undo skip monthly/*",
    ]
    assert {e.actor for e in entries} == {APPROVER}


def test_a_bad_month_is_answered_with_the_error_tied_to_its_field(
    browser: Browser, people: None
) -> None:
    browser.log_in(APPROVER)
    page = _skip(browser, month="joulukuu", scope="*|*")
    assert page.status_code == 400
    assert '<a href="#skip-month">' in page.text
    assert 'aria-invalid="true"' in page.text and "skip-month-error" in page.text
    unknown = _skip(browser, month=MONTH, scope="monthly|hyks-xx")
    assert unknown.status_code == 400 and list_skips(browser.context) == []


# --- the scheduler honours it ---------------------------------------------------------------------


def test_a_skipped_month_is_neither_sent_nor_reminded_and_the_runs_say_why(
    clock_ctx: ClockContext, tmp_path: Path
) -> None:
    settings = clock_ctx.settings.model_copy(update={"coordinator_emails": ["k@vip.example"]})
    ctx = ClockContext(settings, clock_ctx.engine)
    add_edition(ctx, tmp_path, MONTH, approve=False)
    add_recipients(ctx)
    skip_month(ctx, MONTH, actor="cli:test", reason="kesätauko")
    provider = FakeProvider()
    assert _fire(ctx, "reminder", REMINDER, provider) is ScheduleRunOutcome.SKIPPED
    assert _fire(ctx, "send", PLANNED, provider) is ScheduleRunOutcome.SKIPPED
    assert provider.messages == []  # no letter, no reminder, no notice
    assert _ledger_rows(ctx) == 0
    with ctx.engine.connect() as conn:
        runs = conn.execute(sa.text("select outcome, detail from schedule_runs"))
        details = {tuple(r) for r in runs}
    assert ("skipped", "*-* skipped by cli:test: kesätauko") in details


def test_after_an_undo_the_next_fire_sends_again(clock_ctx: ClockContext, tmp_path: Path) -> None:
    add_edition(clock_ctx, tmp_path, MONTH)
    add_recipients(clock_ctx)
    skip_month(clock_ctx, MONTH, actor="cli:test", schedule="monthly", target="*-*")
    provider = FakeProvider()
    assert _fire(clock_ctx, "send", PLANNED, provider) is ScheduleRunOutcome.SKIPPED
    assert unskip_month(clock_ctx, MONTH, actor="cli:test", schedule="monthly", target="*-*")
    retry = datetime(2026, 12, 2, 7, tzinfo=UTC)  # the daily retry before the deadline
    assert _fire(clock_ctx, "send", retry, provider) is ScheduleRunOutcome.SENT
    assert _ledger_rows(clock_ctx) == 20


def test_a_skip_of_another_schedule_or_month_changes_nothing(
    clock_ctx: ClockContext, tmp_path: Path
) -> None:
    add_edition(clock_ctx, tmp_path, MONTH)
    add_recipients(clock_ctx)
    skip_month(clock_ctx, "2027-01", actor="cli:test")
    with pytest.raises(ScheduleError, match="no schedule 'other'"):
        skip_month(clock_ctx, MONTH, actor="cli:test", schedule="other")
    assert _fire(clock_ctx, "send", PLANNED, FakeProvider()) is ScheduleRunOutcome.SENT


# --- the command line -----------------------------------------------------------------------------


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    monkeypatch.setenv("MAILER_SCHEDULES_DIR", str(Path(__file__).parent.parent / "schedules"))
    monkeypatch.setenv("MAILER_VAR_DIR", str(tmp_path / "var"))


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["schedule", *args])
    return result.exit_code, result.output


def test_the_command_line_skips_lists_and_undoes_a_month(env: None) -> None:
    assert _cli("sync")[0] == 0
    code, out = _cli("skip", MONTH, "--schedule", "monthly", "--reason", "tauko")
    assert code == 0 and "skipped: 2026-12 monthly/*" in out
    code, out = _cli("skip", MONTH, "--schedule", "monthly")
    assert code == 0 and "nothing to do" in out
    code, out = _cli("list", "--json")
    fires = [f for job in json.loads(out) if job["kind"] == "send" for f in job["upcoming"]]
    assert {f["edition"]: f["skipped"] for f in fires}[MONTH] == ["*-*"]
    assert {f["edition"]: f["skipped"] for f in fires}["2027-01"] == []
    code, out = _cli("list")
    assert "SKIPPED" in out
    code, out = _cli("skip", MONTH, "--schedule", "monthly", "--undo", "--json")
    assert code == 0 and json.loads(out)["undone"] is True
    code, out = _cli("skip", "2026-13")
    assert code != 0 and "YYYY-MM" in out
