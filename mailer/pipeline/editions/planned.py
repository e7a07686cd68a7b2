"""The editorial rules of `edition check` joined to their inputs: the edition's text, and when
each variant is planned to go out, from schedules/*.yaml.

`edition check` uses it to find events that are over before the letter arrives. A variant no
schedule covers (or a schedules folder that cannot be read: `mailer schedule check` reports that)
counts from the first moment of the edition's month, so last month's events are still caught.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from mailer.core.edition.content import ContentProblem, Edition
from mailer.core.edition.letter import all_variants
from mailer.core.edition.rules import PlannedSend, event_problems, rule_problems
from mailer.core.errors import ScheduleError
from mailer.core.models import Variant
from mailer.core.schedule.spec import Schedule
from mailer.core.schedule.times import planned_in_month
from mailer.core.yaml_lines import YamlSyntaxError, load_with_lines
from mailer.pipeline.context import Context
from mailer.pipeline.schedules.jobs import load_schedules

__all__ = ["by_line", "editorial_problems", "planned_sends"]


def _schedules(ctx: Context) -> list[Schedule]:
    try:
        return load_schedules(ctx.settings.schedules_dir)
    except (ScheduleError, OSError, UnicodeDecodeError):
        return []


def planned_sends(ctx: Context, month: str) -> dict[Variant, PlannedSend]:
    """The earliest planned send of `month` (YYYY-MM) for each of the 10 variants."""
    year, number = int(month[:4]), int(month[5:7])
    found: dict[Variant, PlannedSend] = {}
    for schedule in _schedules(ctx):
        zone = ZoneInfo(schedule.timezone)
        for variant, when in schedule.rules_by_variant().items():
            at = planned_in_month(when, zone, year, number)
            if variant not in found or at < found[variant].at:
                found[variant] = PlannedSend(at, f"schedule {schedule.name}")
    start = datetime(year, number, 1, tzinfo=ctx.zone)
    for variant in all_variants():
        found.setdefault(variant, PlannedSend(start, "the month's start: no schedule covers it"))
    return found


def editorial_problems(
    ctx: Context, month: str, file: str, text: str, edition: Edition | None
) -> list[ContentProblem]:
    """The editorial rules (`mailer.core.edition.rules`) over a text that is YAML at least."""
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError:
        return []  # already reported by the content check
    problems = rule_problems(data, lines, file, month=month)
    if edition is not None:
        planned = planned_sends(ctx, month)
        problems += event_problems(edition, lines, file, planned=planned, zone=ctx.zone)
    return problems


def by_line(problems: list[ContentProblem], file: str) -> list[ContentProblem]:
    """The edition's own problems by line (edition-wide ones first), then the rest as found."""
    return sorted(
        problems,
        key=lambda p: (p.file != file, p.line is not None, p.line or 0),
    )
