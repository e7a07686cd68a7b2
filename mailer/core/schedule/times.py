"""PURE: fire-time arithmetic of schedule rules, from a given `now` (never the clock).

Times are computed in the schedule's own zone with `zoneinfo`, so 09:00 Europe/Helsinki stays 09:00
across the DST changes (06:00 UTC in summer, 07:00 UTC in winter).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from mailer.core.schedule.spec import WEEKDAYS, Rule, When

__all__ = [
    "FireKind",
    "deadline_for",
    "edition_for",
    "fire_times",
    "latest_fire_at_or_before",
    "planned_for_fire",
    "planned_in_month",
]

FireKind = Literal["send", "reminder"]


def planned_in_month(when: When, zone: ZoneInfo, year: int, month: int) -> datetime:
    """The planned send of `year`-`month` as an aware UTC datetime."""
    if when.day is not None:
        day = when.day
    else:
        weekday = WEEKDAYS.index(when.weekday)
        days_in_month = calendar.monthrange(year, month)[1]
        first = date(year, month, 1).weekday()
        first_match = 1 + (weekday - first) % 7
        if when.nth == -1:
            day = first_match + 7 * ((days_in_month - first_match) // 7)
        else:
            day = first_match + 7 * ((when.nth or 1) - 1)
    return datetime.combine(date(year, month, day), when.time, tzinfo=zone).astimezone(UTC)


def _shift_days(moment: datetime, zone: ZoneInfo, days: int) -> datetime:
    # Days are calendar days on the local wall clock, so 09:00 stays 09:00 across a DST change.
    local = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=zone).astimezone(UTC)


def deadline_for(rule: Rule, planned: datetime) -> datetime:
    if rule.deadline.days_after is not None:
        return _shift_days(planned, rule.zone, rule.deadline.days_after)
    local = planned.astimezone(rule.zone)
    return _shift_days(planned, rule.zone, (rule.deadline.day_of_month or local.day) - local.day)


def _occurrences(
    rule: Rule, kind: FireKind, year: int, month: int
) -> list[tuple[datetime, datetime]]:
    """(fire time, planned send it belongs to) for the planned send of one month."""
    planned = planned_in_month(rule.when, rule.zone, year, month)
    if kind == "reminder":
        if rule.reminder_days == 0:
            return []
        return [(_shift_days(planned, rule.zone, -rule.reminder_days), planned)]
    # The planned send, then one retry a day at the same time until the deadline: an edition
    # approved late but before the deadline still goes out on its own.
    last = deadline_for(rule, planned)
    fires = []
    moment, step = planned, 0
    while moment <= last:
        fires.append((moment, planned))
        step += 1
        moment = _shift_days(planned, rule.zone, step)
    return fires


def _around(
    rule: Rule, kind: FireKind, at: datetime, months_back: int, months_ahead: int
) -> list[tuple[datetime, datetime]]:
    local = at.astimezone(rule.zone)
    index = local.year * 12 + local.month - 1
    found = []
    for i in range(index - months_back, index + months_ahead + 1):
        found.extend(_occurrences(rule, kind, i // 12, i % 12 + 1))
    return sorted(found)


def fire_times(rule: Rule, kind: FireKind, after: datetime, count: int) -> list[datetime]:
    """The next `count` fire times strictly after `after` (aware UTC)."""
    found = _around(rule, kind, after, 2, count + 2)
    return [fire for fire, _ in found if fire > after][:count]


def latest_fire_at_or_before(rule: Rule, kind: FireKind, at: datetime) -> datetime | None:
    """The fire a job running at `at` stands for (APScheduler does not pass it to the job)."""
    past = [fire for fire, _ in _around(rule, kind, at, 3, 1) if fire <= at]
    return past[-1] if past else None


def planned_for_fire(rule: Rule, kind: FireKind, fire: datetime) -> datetime:
    """The planned send a fire (a send, a retry or a reminder) belongs to."""
    for moment, planned in _around(rule, kind, fire, 3, 2):
        if moment == fire:
            return planned
    raise ValueError(f"{fire.isoformat()} is not a {kind} fire time of this rule")


def edition_for(planned: datetime, zone: ZoneInfo) -> str:
    """The edition of the month: YYYY-MM of the planned send in the schedule's zone."""
    return planned.astimezone(zone).strftime("%Y-%m")
