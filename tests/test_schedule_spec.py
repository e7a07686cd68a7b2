"""Schedule YAML model and fire-time arithmetic: fixed `now`, never the clock, never sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from mailer.core.errors import ScheduleError
from mailer.core.models import Language, Region, Variant
from mailer.core.schedule.spec import Deadline, Rule, When, parse_schedule
from mailer.core.schedule.times import (
    deadline_for,
    edition_for,
    fire_times,
    latest_fire_at_or_before,
    planned_for_fire,
    planned_in_month,
)

HKI = ZoneInfo("Europe/Helsinki")
FIRST_TUESDAY = When(weekday="tuesday", nth=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rule(when: When = FIRST_TUESDAY, days_after: int = 0, reminder_days: int = 5) -> Rule:
    return Rule(
        when=when,
        timezone="Europe/Helsinki",
        deadline=Deadline(days_after=days_after),
        reminder_days=reminder_days,
    )


# First Tuesdays from the calendar; Helsinki is UTC+3 from 29.3.2026 to 25.10.2026 and from
# 28.3.2027 to 31.10.2027, else UTC+2: 09:00 local is 06:00 UTC in summer, 07:00 UTC in winter.
FIRST_TUESDAYS = [
    (2026, 1, utc(2026, 1, 6, 7)),
    (2026, 3, utc(2026, 3, 3, 7)),
    (2026, 4, utc(2026, 4, 7, 6)),  # the 7th, first summer-time send
    (2026, 7, utc(2026, 7, 7, 6)),  # the 7th
    (2026, 9, utc(2026, 9, 1, 6)),  # the 1st
    (2026, 10, utc(2026, 10, 6, 6)),  # still summer time (ends 25.10)
    (2026, 11, utc(2026, 11, 3, 7)),  # winter time again
    (2026, 12, utc(2026, 12, 1, 7)),  # the 1st
    (2027, 3, utc(2027, 3, 2, 7)),
    (2027, 4, utc(2027, 4, 6, 6)),
    (2027, 6, utc(2027, 6, 1, 6)),  # the 1st
    (2027, 9, utc(2027, 9, 7, 6)),  # the 7th
    (2027, 10, utc(2027, 10, 5, 6)),  # summer time until 31.10.2027
    (2027, 11, utc(2027, 11, 2, 7)),
    (2027, 12, utc(2027, 12, 7, 7)),  # the 7th
]


@pytest.mark.parametrize(("year", "month", "expected"), FIRST_TUESDAYS)
def test_first_tuesday_at_nine_helsinki_is_dst_correct(
    year: int, month: int, expected: datetime
) -> None:
    planned = planned_in_month(FIRST_TUESDAY, HKI, year, month)
    assert planned == expected
    assert planned.astimezone(HKI).hour == 9


def test_next_fire_times_from_a_fixed_now_step_through_the_months() -> None:
    found = fire_times(rule(), "send", utc(2026, 8, 15), 5)
    assert found == [
        utc(2026, 9, 1, 6),
        utc(2026, 10, 6, 6),
        utc(2026, 11, 3, 7),
        utc(2026, 12, 1, 7),
        utc(2027, 1, 5, 7),
    ]


def test_a_fire_time_equal_to_now_is_not_next() -> None:
    assert fire_times(rule(), "send", utc(2026, 9, 1, 6), 1) == [utc(2026, 10, 6, 6)]


@pytest.mark.parametrize(
    ("when", "days_after", "expected"),
    [
        # last Friday of March 2026 = 27.3; clocks go forward on Sunday 29.3
        (
            When(weekday="friday", nth=-1),
            3,
            [utc(2026, 3, 27, 7), utc(2026, 3, 28, 7), utc(2026, 3, 29, 6), utc(2026, 3, 30, 6)],
        ),
        # fourth Friday of October 2026 = 23.10; clocks go back on Sunday 25.10
        (
            When(weekday="friday", nth=4),
            3,
            [
                utc(2026, 10, 23, 6),
                utc(2026, 10, 24, 6),
                utc(2026, 10, 25, 7),
                utc(2026, 10, 26, 7),
            ],
        ),
        # last Friday of March 2027 = 26.3; clocks go forward on Sunday 28.3
        (
            When(weekday="friday", nth=-1),
            3,
            [utc(2027, 3, 26, 7), utc(2027, 3, 27, 7), utc(2027, 3, 28, 6), utc(2027, 3, 29, 6)],
        ),
        # last Friday of October 2027 = 29.10; clocks go back on Sunday 31.10
        (
            When(weekday="friday", nth=-1),
            3,
            [utc(2027, 10, 29, 6), utc(2027, 10, 30, 6), utc(2027, 10, 31, 7), utc(2027, 11, 1, 7)],
        ),
    ],
)
def test_daily_retries_until_the_deadline_keep_nine_local_across_dst(
    when: When, days_after: int, expected: list[datetime]
) -> None:
    found = fire_times(rule(when, days_after), "send", expected[0] - timedelta(seconds=1), 5)
    # the fifth is next month's planned send: the retries stop at the deadline
    assert found.pop() > expected[-1] + timedelta(days=20)
    assert found == expected
    assert {f.astimezone(HKI).hour for f in found} == {9}


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (utc(2026, 3, 1), utc(2026, 4, 2, 6)),  # send 7.4 (summer), reminder 2.4 (summer)
        (utc(2026, 10, 7), utc(2026, 10, 29, 7)),  # send 3.11; 29.10 is already winter time
        (utc(2027, 10, 6), utc(2027, 10, 28, 6)),  # send 2.11 (winter); 28.10 still summer
        (utc(2026, 8, 15), utc(2026, 8, 27, 6)),  # send 1.9: reminder in the previous month
    ],
)
def test_reminders_are_calendar_days_before_at_the_same_local_time(
    after: datetime, expected: datetime
) -> None:
    [found] = fire_times(rule(), "reminder", after, 1)
    assert found == expected
    assert found.astimezone(HKI).hour == 9


def test_no_reminder_fires_when_reminder_days_is_zero() -> None:
    assert fire_times(rule(reminder_days=0), "reminder", utc(2026, 1, 1), 3) == []


@pytest.mark.parametrize(
    ("when", "cron_day"),
    [
        (FIRST_TUESDAY, "1st tue"),
        (When(weekday="wednesday", nth=3, time="14:30"), "3rd wed"),
        (When(weekday="friday", nth=-1), "last fri"),
        (When(day=15, time="07:45"), "15"),
    ],
)
def test_fire_times_agree_with_apschedulers_cron_trigger(when: When, cron_day: str) -> None:
    trigger = CronTrigger(day=cron_day, hour=when.time.hour, minute=when.time.minute, timezone=HKI)
    now = datetime(2026, 1, 1, tzinfo=HKI)
    cron: list[datetime] = []
    cursor = now
    for _ in range(26):  # through both DST years
        fire = trigger.get_next_fire_time(None, cursor)
        cron.append(fire.astimezone(UTC))
        cursor = fire + timedelta(seconds=1)
    assert fire_times(rule(when), "send", now, 26) == cron


def test_latest_fire_and_planned_send_of_a_retry() -> None:
    r = rule(days_after=3)
    fire = latest_fire_at_or_before(r, "send", utc(2026, 9, 2, 12))
    assert fire == utc(2026, 9, 2, 6)
    planned = planned_for_fire(r, "send", fire)
    assert planned == utc(2026, 9, 1, 6)
    assert deadline_for(r, planned) == utc(2026, 9, 4, 6)
    assert edition_for(planned, HKI) == "2026-09"


def test_a_reminder_belongs_to_the_edition_of_its_send_month() -> None:
    r = rule()
    fire = latest_fire_at_or_before(r, "reminder", utc(2026, 8, 27, 8))
    assert fire == utc(2026, 8, 27, 6)
    assert edition_for(planned_for_fire(r, "reminder", fire), HKI) == "2026-09"


def test_the_edition_month_is_the_helsinki_month_not_the_utc_month() -> None:
    planned = planned_in_month(When(day=1, time="00:30"), HKI, 2026, 12)
    assert planned == utc(2026, 11, 30, 22, 30)
    assert edition_for(planned, HKI) == "2026-12"


def test_deadline_on_a_day_of_month() -> None:
    r = Rule(
        when=FIRST_TUESDAY,
        timezone="Europe/Helsinki",
        deadline=Deadline(day_of_month=10),
        reminder_days=0,
    )
    planned = planned_in_month(FIRST_TUESDAY, HKI, 2026, 9)
    assert deadline_for(r, planned) == utc(2026, 9, 10, 6)
    assert len(fire_times(r, "send", utc(2026, 8, 31), 20)[:10]) == 10  # 1.9 .. 10.9


MONTHLY = """\
name: monthly
when:
  weekday: Tue
  nth: first
  time: 9:30
overrides:
  - region: tyks
    language: sv
    weekday: wednesday
    nth: first
  - region: oys
    time: "10:00"
"""


def test_overrides_split_the_variants_into_groups_with_their_own_rules() -> None:
    schedule = parse_schedule(MONTHLY, "schedules/monthly.yaml")
    by_variant = schedule.rules_by_variant()
    assert len(by_variant) == 10
    assert (
        by_variant[Variant(region=Region.HYKS, language=Language.FI)].time.strftime("%H:%M")
        == "09:30"
    )
    tyks_sv = by_variant[Variant(region=Region.TYKS, language=Language.SV)]
    assert (tyks_sv.weekday, tyks_sv.time.strftime("%H:%M")) == ("wednesday", "09:30")
    assert (
        by_variant[Variant(region=Region.OYS, language=Language.SV)].time.strftime("%H:%M")
        == "10:00"
    )
    groups = {g.key: g.targets for g in schedule.groups()}
    assert groups == {
        "hyks-*+kys-*+tays-*+tyks-fi": ("hyks-*", "kys-*", "tays-*", "tyks-fi"),
        "oys-*": ("oys-*",),
        "tyks-sv": ("tyks-sv",),
    }


def test_one_rule_for_every_variant_is_one_group_for_all() -> None:
    schedule = parse_schedule("name: m\nwhen: {day: 3}\n", "m.yaml")
    [group] = schedule.groups()
    assert (group.key, group.targets) == ("all", ("*-*",))
    swedish = parse_schedule("name: m\nwhen: {day: 3}\nlanguages: [sv]\n", "m.yaml")
    assert [g.targets for g in swedish.groups()] == [("*-sv",)]


def test_the_repository_schedule_is_valid() -> None:
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "schedules" / "monthly.yaml"
    schedule = parse_schedule(path.read_text(encoding="utf-8"), str(path))
    [group] = schedule.groups()
    assert group.rule.when == FIRST_TUESDAY
    assert schedule.reminder_days == 5


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("name: m\nwhen:\n  weekday: tusday\n  nth: 1\n", 3, "when.weekday", "Input should be"),
        ("name: m\nwhen:\n  weekday: tuesday\n", 2, "when", "weekday and nth go together"),
        ("name: m\nwhen: {day: 3}\nregions: [hyks, lapland]\n", 3, "regions.1", "hyks"),
        ("name: m\nwhen: {day: 3}\ndeadline:\n  days_after: 40\n", 4, "deadline.days_after", "21"),
        ("name: m\nwhen: {day: 3}\nsend_at: 9\n", 3, "send_at", "Extra inputs"),
        ("name: m\nwhen: {day: 31}\n", 2, "when.day", "less than or equal to 28"),
        ("name: M x\nwhen: {day: 3}\n", 1, "name", "pattern"),
        ("when: {day: 3}\n", 1, "name", "Field required"),
        ("name: m\nwhen: [day\n", 3, "yaml", "expected"),
        (
            "name: m\nwhen: {day: 3}\nregions: [hyks]\n"
            "overrides:\n  - region: oys\n    time: '10:00'\n",
            4,
            "overrides",
            "not targeted",
        ),
        (
            "name: m\nwhen: {weekday: tue, nth: 2}\ndeadline: {day_of_month: 10}\n",
            3,
            "deadline",
            "can fall before a send",
        ),
        ("- name: m\n", 1, "(file)", "mapping"),
    ],
)
def test_yaml_errors_name_file_line_and_field(
    text: str, line: int, field: str, message: str
) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text, "schedules/bad.yaml")
    err = caught.value
    assert (err.file, err.line, err.field) == ("schedules/bad.yaml", line, field)
    assert message in str(err)
    assert str(err).startswith(f"schedules/bad.yaml:{line}: {field}: ")
