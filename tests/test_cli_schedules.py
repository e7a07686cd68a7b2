"""`mailer schedule sync|list|runs|run` through the real Typer app (and `run` as a real process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from mailer.cli import app
from mailer.store import schedules as store
from mailer.store.base import create_db_engine

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "schedules"
    folder.mkdir()
    (folder / "monthly.yaml").write_text(
        (ROOT / "schedules" / "monthly.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    monkeypatch.setenv("MAILER_SCHEDULES_DIR", str(folder))
    monkeypatch.setenv("MAILER_LETTERS_DIR", str(tmp_path / "letters"))
    monkeypatch.setenv("MAILER_VAR_DIR", str(tmp_path / "var"))
    return folder


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["schedule", *args])
    return result.exit_code, result.output


def test_sync_reports_added_then_nothing_to_do(env: Path) -> None:
    code, out = _run("sync", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert sorted(report["added"]) == ["monthly.reminder.all", "monthly.send.all"]
    code, out = _run("sync")
    assert code == 0, out
    assert "already matches" in out
    assert "unchanged  monthly.send.all" in out


def test_list_shows_each_job_with_next_runs_in_helsinki_time(env: Path) -> None:
    code, out = _run("list")
    assert "no scheduled jobs" in out
    _run("sync")
    code, out = _run("list", "--json", "--count", "5")
    assert code == 0, out
    jobs = {job["id"]: job for job in json.loads(out)}
    assert set(jobs) == {"monthly.send.all", "monthly.reminder.all"}
    send = jobs["monthly.send.all"]
    assert send["targets"] == ["*-*"]
    assert send["rule"] == "send: first tuesday at 09:00 Europe/Helsinki"
    assert len(send["upcoming"]) == 5
    for fire in send["upcoming"]:
        at = datetime.fromisoformat(fire["at"])
        assert (at.hour, at.minute) == (9, 0)  # local wall clock, whatever the season
        assert at.utcoffset() in (timedelta(hours=2), timedelta(hours=3))
    planned = [f for f in send["upcoming"] if f["role"] == "send"]
    assert all(datetime.fromisoformat(f["at"]).weekday() == 1 for f in planned)
    code, out = _run("list")
    assert code == 0 and "monthly.send.all" in out and "monthly.reminder.all" in out


def test_check_validates_the_yaml_and_shows_what_sync_would_schedule(env: Path) -> None:
    code, out = _run("check", "--json")
    assert code == 0, out
    assert {view["id"] for view in json.loads(out)} == {"monthly.send.all", "monthly.reminder.all"}
    code, out = _run("list", "--json")
    assert json.loads(out) == []  # check wrote nothing
    (env / "monthly.yaml").write_text("name: monthly\nwhen: {day: 3}\nlanguages: [en]\n", "utf-8")
    code, out = _run("check")
    assert code == 2
    assert "monthly.yaml:3: languages.0" in out.replace("\n", "")


def test_a_broken_schedule_file_is_named_with_its_line_and_exits_2(env: Path) -> None:
    (env / "extra.yaml").write_text("name: extra\nwhen:\n  weekday: tuesday\n  nth: 9\n", "utf-8")
    code, out = _run("sync")
    assert code == 2
    assert "extra.yaml:4: when.nth" in out.replace("\n", "")


def test_run_with_no_wait_exits_clearly_when_another_scheduler_is_active(
    env: Path, db_url: str
) -> None:
    engine = create_db_engine(db_url)
    with engine.begin() as conn:
        assert store.acquire_lock(
            conn, "scheduler", "other-host:4242:abcd", now=datetime.now(UTC),
            stale_after=timedelta(minutes=2),
        )  # fmt: skip
    engine.dispose()
    code, out = _run("run", "--no-wait")
    assert code == 2
    assert "another scheduler is active" in out and "other-host:4242:abcd" in out


def test_runs_lists_what_the_scheduler_did(env: Path, db_url: str) -> None:
    engine = create_db_engine(db_url)
    with engine.begin() as conn:
        store.claim_run(
            conn,
            job_id="monthly.send.all",
            kind="send",
            scheduled_for=datetime(2026, 9, 1, 6, tzinfo=UTC),
            edition="2026-09",
            ran_at=datetime(2026, 9, 1, 6, 0, 2, tzinfo=UTC),
            outcome="held",
            detail="not-approved: not approved",
        )
    engine.dispose()
    code, out = _run("runs", "--json")
    assert code == 0, out
    [run] = json.loads(out)
    assert (run["outcome"], run["edition"]) == ("held", "2026-09")
    assert run["scheduled_for"].startswith("2026-09-01 09:00:00+03:00")


def test_run_in_the_foreground_shuts_down_cleanly_on_sigterm(env: Path, db_url: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mailer", "schedule", "run"],
        cwd=ROOT,
        env=dict(os.environ),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # waiting for the process, not timing it
            line = process.stderr.readline()
            seen.append(line)
            if "active" in line or not line:
                break
        assert any("active" in line for line in seen), seen
        engine = create_db_engine(db_url)
        with engine.connect() as conn:
            holder = store.lock_holder(conn, "scheduler")
            assert holder is not None and str(process.pid) in holder[0]
            assert conn.execute(sa.text("SELECT count(*) FROM apscheduler_jobs")).scalar() == 2
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        rest = process.stderr.read()
        assert "SIGTERM" in rest and "stopped" in rest
        with engine.connect() as conn:
            assert store.lock_holder(conn, "scheduler") is None  # released on the way out
        engine.dispose()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
