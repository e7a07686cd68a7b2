"""APScheduler wiring: the job store mirrors the YAML, survives restarts, misfires are handled, and
only one scheduler is active per database. SQLite and PostgreSQL (`ctx`/`engine` fixtures)."""

from __future__ import annotations

import pickle
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mailer.config import Settings
from mailer.core.errors import SchedulerLockedError, StorageError
from mailer.core.schedule.spec import Deadline, Rule, When
from mailer.pipeline import Context
from mailer.pipeline.editions.check import approve_edition
from mailer.pipeline.schedules.jobs import (
    JOB_TABLE,
    RuleTrigger,
    SafeBackgroundScheduler,
    open_job_store,
    scheduler_options,
    sync_schedules,
)
from mailer.pipeline.schedules.views import list_jobs, preview_schedules
from mailer.scheduler.service import LOCK_NAME, SchedulerRunner
from mailer.store import schedules as store
from mailer.store.base import create_db_engine
from tests.editions_data import import_letters
from tests.test_pipeline_schedules import FIXTURE_LETTER, ClockContext
from tests.test_send_support import add_contacts, people

HKI = ZoneInfo("Europe/Helsinki")
COORDINATOR = "kaisa.koordinaattori@vip-verkosto.example"
MONTHLY = """\
name: monthly
when: {weekday: tuesday, nth: first, time: "09:00"}
reminder_days: 5
deadline: {days_after: 2}
"""
TYKS_SV = """\
name: monthly
when: {weekday: tuesday, nth: first, time: "09:00"}
reminder_days: 5
deadline: {days_after: 2}
overrides:
  - {region: tyks, language: sv, time: "10:00"}
"""


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll until true (a wait for a background thread, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        time.sleep(0.02)


def with_schedules(ctx: Context, folder: Path, **files: str) -> Context:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return Context(ctx.settings.model_copy(update={"schedules_dir": folder}), ctx.engine)


def stored_jobs(engine: Engine) -> list[tuple[str, float | None]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT id, next_run_time FROM {JOB_TABLE} ORDER BY id"))
        return [(row.id, row.next_run_time) for row in rows]


# --- the trigger ---------------------------------------------------------------------------------


RULE = Rule(
    when=When(weekday="tuesday", nth=1),
    timezone="Europe/Helsinki",
    deadline=Deadline(days_after=0),
    reminder_days=5,
)


def test_rule_trigger_follows_apschedulers_contract_and_pickles() -> None:
    trigger = RuleTrigger(RULE.model_dump(mode="json"), "send")
    fire = datetime(2026, 9, 1, 6, tzinfo=UTC)
    # no previous fire: the first fire at or after now
    assert trigger.get_next_fire_time(None, fire) == fire
    assert trigger.get_next_fire_time(None, fire + timedelta(seconds=1)) == datetime(
        2026, 10, 6, 6, tzinfo=UTC
    )
    # after a previous fire: the next one, even when it is already past (misfire logic decides)
    later = datetime(2027, 1, 1, tzinfo=UTC)
    assert trigger.get_next_fire_time(fire, later) == datetime(2026, 10, 6, 6, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, fire).tzinfo == HKI
    copy = pickle.loads(pickle.dumps(trigger))
    assert copy == trigger
    assert copy.get_next_fire_time(None, fire) == fire
    assert RuleTrigger(RULE.model_dump(mode="json"), "reminder") != trigger


# --- sync and restarts ---------------------------------------------------------------------------


def test_sync_adds_then_is_idempotent(ctx: Context, tmp_path: Path) -> None:
    ctx = with_schedules(ctx, tmp_path / "schedules", monthly=MONTHLY)
    first = sync_schedules(ctx)
    assert sorted(first.added) == ["monthly.reminder.all", "monthly.send.all"]
    before = stored_jobs(ctx.engine)
    second = sync_schedules(ctx)
    assert (second.added, second.changed, second.removed) == ([], [], [])
    assert sorted(second.unchanged) == ["monthly.reminder.all", "monthly.send.all"]
    assert stored_jobs(ctx.engine) == before


def test_sync_changes_and_removes_jobs_that_left_the_yaml(ctx: Context, tmp_path: Path) -> None:
    folder = tmp_path / "schedules"
    sync_schedules(
        with_schedules(ctx, folder, monthly=MONTHLY, extra=MONTHLY.replace("monthly", "extra"))
    )
    report = sync_schedules(with_schedules(ctx, folder, monthly=TYKS_SV))
    assert sorted(report.removed) == [
        "extra.reminder.all",
        "extra.send.all",
        "monthly.reminder.all",
        "monthly.send.all",
    ]
    assert sorted(report.added) == [
        "monthly.reminder.hyks-*+kys-*+tays-*+tyks-fi+oys-*",
        "monthly.reminder.tyks-sv",
        "monthly.send.hyks-*+kys-*+tays-*+tyks-fi+oys-*",
        "monthly.send.tyks-sv",
    ]
    changed = sync_schedules(with_schedules(ctx, folder, monthly=TYKS_SV.replace("10:00", "11:00")))
    assert sorted(changed.changed) == ["monthly.reminder.tyks-sv", "monthly.send.tyks-sv"]
    assert len(changed.unchanged) == 2
    views = {view.id: view for view in list_jobs(ctx)}
    assert views["monthly.send.tyks-sv"].upcoming[0].at.astimezone(HKI).hour == 11
    assert [job_id for job_id, _ in stored_jobs(ctx.engine)] == sorted(views)


def test_an_invalid_schedule_file_changes_nothing(ctx: Context, tmp_path: Path) -> None:
    folder = tmp_path / "schedules"
    sync_schedules(with_schedules(ctx, folder, monthly=MONTHLY))
    before = stored_jobs(ctx.engine)
    broken = with_schedules(ctx, folder, monthly=MONTHLY, other="name: other\nwhen: {day: 40}\n")
    with pytest.raises(Exception, match=r"other.yaml:2: when.day"):
        sync_schedules(broken)
    assert stored_jobs(ctx.engine) == before


def test_a_restart_neither_loses_nor_duplicates_jobs(ctx: Context, tmp_path: Path) -> None:
    ctx = with_schedules(ctx, tmp_path / "schedules", monthly=MONTHLY)
    sync_schedules(ctx)
    past = datetime.now(UTC) - timedelta(hours=1)
    with open_job_store(ctx) as scheduler:  # the scheduler was down when the send was due
        scheduler.modify_job("monthly.send.all", next_run_time=past)
    before = stored_jobs(ctx.engine)
    # a new process: another engine, another scheduler object on the same database
    other = Context(ctx.settings, create_db_engine(ctx.settings.database_url))
    try:
        with open_job_store(other) as scheduler:
            jobs = {job.id: job for job in scheduler.get_jobs()}
        report = sync_schedules(other)
    finally:
        other.close()
    assert sorted(jobs) == ["monthly.reminder.all", "monthly.send.all"]
    assert jobs["monthly.send.all"].next_run_time == past
    assert jobs["monthly.send.all"].kwargs["targets"] == ["*-*"]
    assert sorted(report.unchanged) == ["monthly.reminder.all", "monthly.send.all"]
    assert stored_jobs(ctx.engine) == before  # the pending missed run is still there


def test_stopping_a_scheduler_never_advances_a_due_job(ctx: Context, tmp_path: Path) -> None:
    ctx = with_schedules(ctx, tmp_path / "schedules", monthly=MONTHLY)
    sync_schedules(ctx)
    due = datetime.now(UTC) - timedelta(minutes=1)
    scheduler = SafeBackgroundScheduler(**scheduler_options(ctx))
    scheduler.start(paused=True)
    scheduler.modify_job("monthly.send.all", next_run_time=due)
    scheduler.shutdown(wait=True)  # wakes APScheduler's loop once more after the executors stop
    with open_job_store(ctx) as store_only:
        assert store_only.get_job("monthly.send.all").next_run_time == due
    assert runs(ctx.engine) == []


def test_list_shows_next_runs_in_helsinki_with_retries_marked(ctx: Context, tmp_path: Path) -> None:
    ctx = with_schedules(ctx, tmp_path / "schedules", monthly=MONTHLY)
    sync_schedules(ctx)
    views = {view.id: view for view in list_jobs(ctx, count=4, retries=True)}
    send = views["monthly.send.all"]
    assert [f.role for f in send.upcoming] == ["send", "retry", "retry", "send"]
    for fire in send.upcoming:
        local = fire.at.astimezone(HKI)
        assert (local.hour, local.minute) == (9, 0)
        assert fire.at.utcoffset() in (timedelta(hours=2), timedelta(hours=3))
        assert fire.edition == fire.planned.strftime("%Y-%m")
    assert send.upcoming[0].planned.weekday() == 1 and send.upcoming[0].planned.day <= 7
    sends_only = {view.id: view for view in list_jobs(ctx, count=2)}["monthly.send.all"]
    assert [f.role for f in sends_only.upcoming] == ["send", "send"]
    assert sends_only.upcoming[0] == send.upcoming[0]
    assert sends_only.upcoming[1] == send.upcoming[3]
    reminder = views["monthly.reminder.all"].upcoming[0]
    assert (reminder.planned.date() - reminder.at.date()).days == 5


def test_check_previews_the_repository_schedule_from_a_fixed_now() -> None:
    settings = Settings(schedules_dir=Path(__file__).resolve().parent.parent / "schedules")
    views = {
        v.id: v for v in preview_schedules(Context(settings), now=datetime(2026, 8, 15, tzinfo=UTC))
    }
    assert set(views) == {"monthly.send.all", "monthly.reminder.all"}
    sends = views["monthly.send.all"].upcoming
    assert [f.at.isoformat() for f in sends] == [
        "2026-09-01T09:00:00+03:00",
        "2026-10-06T09:00:00+03:00",
        "2026-11-03T09:00:00+02:00",
    ]
    assert sends[0].deadline.isoformat() == "2026-09-04T09:00:00+03:00"
    assert [f.edition for f in sends] == ["2026-09", "2026-10", "2026-11"]
    reminders = views["monthly.reminder.all"].upcoming
    assert [f.at.isoformat() for f in reminders][:2] == [
        "2026-08-27T09:00:00+03:00",
        "2026-10-01T09:00:00+03:00",
    ]


# --- the lock ------------------------------------------------------------------------------------


def test_lock_is_exclusive_renewed_released_and_taken_over_when_stale(engine: Engine) -> None:
    now = datetime(2026, 9, 1, 6, tzinfo=UTC)
    stale = timedelta(minutes=2)
    with engine.begin() as conn:
        assert store.acquire_lock(conn, LOCK_NAME, "a", now=now, stale_after=stale)
    with engine.begin() as conn:
        assert not store.acquire_lock(conn, LOCK_NAME, "b", now=now, stale_after=stale)
        assert store.acquire_lock(conn, LOCK_NAME, "a", now=now, stale_after=stale)  # re-entrant
        assert store.heartbeat(conn, LOCK_NAME, "a", now=now + timedelta(minutes=1))
        assert not store.heartbeat(conn, LOCK_NAME, "b", now=now)
    later = now + timedelta(minutes=2, seconds=30)  # a's last beat was 1.5 minutes ago
    with engine.begin() as conn:
        assert not store.acquire_lock(conn, LOCK_NAME, "b", now=later, stale_after=stale)
    much_later = now + timedelta(minutes=3, seconds=1)  # a stopped beating: crashed
    with engine.begin() as conn:
        assert store.acquire_lock(conn, LOCK_NAME, "b", now=much_later, stale_after=stale)
        assert store.lock_holder(conn, LOCK_NAME) == ("b", much_later)
        assert not store.heartbeat(conn, LOCK_NAME, "a", now=much_later)
        assert not store.release_lock(conn, LOCK_NAME, "a")
        assert store.release_lock(conn, LOCK_NAME, "b")
        assert store.lock_holder(conn, LOCK_NAME) is None


class Threaded:
    """A runner on its own engine (as a separate process would have), run in a thread."""

    def __init__(self, ctx: Context, **options: object) -> None:
        self.ctx = Context(ctx.settings, create_db_engine(ctx.settings.database_url))
        self.states: list[str] = []
        self.ticks: Counter[str] = Counter()
        self.ticked = threading.Condition()
        self.runner = SchedulerRunner(
            self.ctx,
            heartbeat_seconds=0.05,
            poll_seconds=0.05,
            on_state=lambda state, _detail: self.states.append(state),
            on_tick=self._tick,
            **options,  # type: ignore[arg-type]
        )
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _tick(self, what: str) -> None:
        with self.ticked:
            self.ticks[what] += 1
            self.ticked.notify_all()

    def wait_for_steps(self, what: str, more: int) -> None:
        """Block until the runner has taken `more` further steps of this kind (see on_tick)."""
        with self.ticked:
            target = self.ticks[what] + more
            if not self.ticked.wait_for(lambda: self.ticks[what] >= target, timeout=30):
                raise AssertionError(f"timed out waiting for {more} more {what!r} steps")

    def _run(self) -> None:
        try:
            self.runner.run()
        except BaseException as err:
            self.error = err

    def stop(self) -> None:
        self.runner.stop()
        self.thread.join(30)
        assert not self.thread.is_alive()
        self.ctx.close()


@pytest.fixture
def runners() -> Iterator[list[Threaded]]:
    started: list[Threaded] = []
    yield started
    for threaded in started:
        if threaded.thread.is_alive():
            threaded.stop()


def lock_row(engine: Engine) -> tuple[str, datetime] | None:
    with engine.connect() as conn:
        return store.lock_holder(conn, LOCK_NAME)


def test_a_second_scheduler_waits_as_standby_and_takes_over_when_the_first_stops(
    ctx: Context, tmp_path: Path, runners: list[Threaded]
) -> None:
    ctx = with_schedules(ctx, tmp_path / "schedules", monthly=MONTHLY)
    first = Threaded(ctx, holder="first")
    runners.append(first)
    wait_until(lambda: first.runner.state == "active", "the first scheduler is active")
    second = Threaded(ctx, holder="second")
    runners.append(second)
    wait_until(lambda: second.runner.state == "standby", "the second one is a standby")
    second.wait_for_steps("standby", 5)  # five more looks at the lock
    first.wait_for_steps("beat", 5)  # and five more heartbeats of the holder
    assert second.runner.state == "standby"
    assert lock_row(ctx.engine)[0] == "first"
    first.stop()
    assert first.states[-1] == "stopped" and first.error is None
    wait_until(lambda: second.runner.state == "active", "the standby takes over")
    assert lock_row(ctx.engine)[0] == "second"
    assert sorted(job for job, _ in stored_jobs(ctx.engine)) == [
        "monthly.reminder.all",
        "monthly.send.all",
    ]
    second.stop()
    assert lock_row(ctx.engine) is None  # clean shutdown released the lock


def test_a_second_scheduler_with_no_wait_exits_clearly(
    ctx: Context, tmp_path: Path, runners: list[Threaded]
) -> None:
    ctx = with_schedules(ctx, tmp_path / "schedules", monthly=MONTHLY)
    first = Threaded(ctx, holder="first")
    runners.append(first)
    wait_until(lambda: first.runner.state == "active", "the first scheduler is active")
    runner = SchedulerRunner(ctx, wait=False, holder="second")
    with pytest.raises(SchedulerLockedError, match=r"another scheduler is active.*first") as err:
        runner.run()
    assert err.value.holder == "first"
    assert lock_row(ctx.engine)[0] == "first"


def test_a_scheduler_that_loses_its_lock_goes_back_to_standby(
    ctx: Context, tmp_path: Path, runners: list[Threaded]
) -> None:
    ctx = with_schedules(ctx, tmp_path / "schedules", monthly=MONTHLY)
    first = Threaded(ctx, holder="first")
    runners.append(first)
    wait_until(lambda: first.runner.state == "active", "the first scheduler is active")
    with ctx.engine.begin() as conn:  # another scheduler declared it dead and took over
        conn.execute(sa.update(store.scheduler_lock).values(holder="usurper"))
    wait_until(lambda: "lost" in first.states, "the first one notices")
    wait_until(lambda: first.runner.state == "standby", "and waits as a standby")
    assert lock_row(ctx.engine)[0] == "usurper"


# --- misfires: a scheduler that was down ---------------------------------------------------------


def rule_firing_at(moment: datetime) -> str:
    """A schedule whose monthly send falls exactly on `moment` (minute precision)."""
    local = moment.astimezone(HKI)
    day = (
        f"day: {local.day}"
        if local.day <= 28
        else f"weekday: {local.strftime('%A').lower()}, nth: last"
    )
    return (
        f"name: late\nwhen: {{{day}, time: '{local:%H:%M}'}}\nreminder_days: 0\n"
        "deadline: {days_after: 0}\ngrace_hours: 1\n"
    )


def env_for(monkeypatch: pytest.MonkeyPatch, settings: Settings, folder: Path) -> None:
    """The fire functions build their settings from the environment, as in production."""
    monkeypatch.setenv("MAILER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MAILER_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("MAILER_LETTERS_DIR", str(folder / "letters"))
    monkeypatch.setenv("MAILER_TEMPLATES_DIR", str(settings.templates_dir))
    monkeypatch.setenv("MAILER_SCHEDULES_DIR", str(folder / "schedules"))
    monkeypatch.setenv("MAILER_COORDINATOR_EMAILS", f'["{COORDINATOR}"]')
    (folder / "letters").mkdir(parents=True, exist_ok=True)


def runs(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(row) for row in store.list_runs(conn)]


@pytest.mark.parametrize(("late_by", "expected_kind"), [(10, "send"), (180, "missed")])
def test_a_scheduler_back_within_grace_runs_once_and_beyond_grace_reports_missed(
    ctx: Context,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    runners: list[Threaded],
    late_by: int,
    expected_kind: str,
) -> None:
    due = (datetime.now(UTC) - timedelta(minutes=late_by)).replace(second=0, microsecond=0)
    env_for(monkeypatch, ctx.settings, tmp_path)
    ctx = with_schedules(ctx, tmp_path / "schedules", late=rule_firing_at(due))
    ctx = Context(ctx.settings.model_copy(update={"coordinator_emails": [COORDINATOR]}), ctx.engine)
    sync_schedules(ctx)
    with open_job_store(ctx) as scheduler:  # the scheduler was down at `due`
        scheduler.modify_job("late.send.all", next_run_time=due)
    runner = Threaded(ctx, holder="returning")
    runners.append(runner)
    wait_until(
        lambda: len(runs(ctx.engine)) == 1 and runs(ctx.engine)[0]["outcome"] != "started",
        "the run",
    )
    runner.wait_for_steps("processed", 5)  # five more passes over the job store
    runner.stop()
    [run] = runs(ctx.engine)
    assert (run["kind"], run["scheduled_for"]) == (expected_kind, due)
    edition = due.astimezone(HKI).strftime("%Y-%m")
    assert run["edition"] == edition
    # no revision for that month: held (within grace) or missed; the coordinator hears of it
    assert run["outcome"] == ("held" if expected_kind == "send" else "missed")
    notices = list((ctx.settings.var_dir / "outbox" / edition / "test").glob("*.eml"))
    assert len(notices) == 1
    assert COORDINATOR in notices[0].read_text(encoding="utf-8")
    with open_job_store(ctx) as scheduler:  # the job moved on to next month
        assert scheduler.get_job("late.send.all").next_run_time > datetime.now(UTC)


def test_the_scheduler_sends_an_approved_edition_that_fell_due(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runners: list[Threaded]
) -> None:
    due = (datetime.now(UTC) - timedelta(minutes=5)).replace(second=0, microsecond=0)
    edition = due.astimezone(HKI).strftime("%Y-%m")
    env_for(monkeypatch, ctx.settings, tmp_path)
    letter = FIXTURE_LETTER.read_text(encoding="utf-8").replace(
        "month: 2026-11", f"month: {edition}"
    )
    (tmp_path / "letters" / f"{edition}.yaml").write_text(letter, encoding="utf-8")
    ctx = with_schedules(ctx, tmp_path / "schedules", late=rule_firing_at(due))
    ctx = Context(ctx.settings.model_copy(update={"letters_dir": tmp_path / "letters"}), ctx.engine)
    import_letters(ctx, tmp_path / "letters")
    add_contacts(ctx.engine, people(10))
    # the fixture letter's events may be over by now: that is what overrides are for
    approve_edition(
        ClockContext(ctx.settings, ctx.engine, at=due - timedelta(hours=1)),
        edition,
        "K",
        override="a test letter; its event dates do not matter",
    )
    sync_schedules(ctx)
    with open_job_store(ctx) as scheduler:
        scheduler.modify_job("late.send.all", next_run_time=due)
    runner = Threaded(ctx, holder="sender")
    runners.append(runner)
    wait_until(
        lambda: len(runs(ctx.engine)) == 1 and runs(ctx.engine)[0]["outcome"] != "started",
        "the send",
    )
    runner.stop()
    [run] = runs(ctx.engine)
    assert (run["kind"], run["outcome"], run["edition"]) == ("send", "sent", edition)
    assert len(list((ctx.settings.var_dir / "outbox" / edition).glob("*.eml"))) == 10


def test_an_unreachable_database_is_a_clear_error_with_no_wait(settings: Settings) -> None:
    # port 1 on localhost: connection refused at once
    unreachable = settings.model_copy(
        update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    ctx = Context(unreachable)
    try:
        with pytest.raises(StorageError, match="cannot reach the database"):
            SchedulerRunner(ctx, wait=False).run()
    finally:
        ctx.close()
