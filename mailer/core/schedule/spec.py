"""PURE: schedule definitions (schedules/*.yaml) as pydantic models, validated with line numbers.

No clock, no files, no database: the caller passes the YAML text (and its file name for errors).
The fire-time arithmetic of these rules lives in `mailer.core.schedule.times`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mailer.core.errors import ScheduleError
from mailer.core.models import Language, Region, Variant
from mailer.core.yaml_lines import StrictSafeLoader, located

__all__ = [
    "Deadline",
    "Override",
    "Rule",
    "Schedule",
    "SendGroup",
    "When",
    "parse_schedule",
]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NTH_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MAX_DAYS = 21  # keeps one month's retries and reminders apart from the next month's


def _yaml_time(value: Any) -> Any:
    # YAML 1.1 (PyYAML) reads an unquoted 9:30 as the base-60 integer 570: turn it back.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return dt.time(value // 60, value % 60)
    return value


class DayFields(BaseModel):
    """Which day of the month: `weekday` + `nth` (first Tuesday, last Friday) or `day` (the 5th)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekday: Weekday | None = None
    nth: Literal[1, 2, 3, 4, -1] | None = None
    day: int | None = Field(None, ge=1, le=28)
    time: dt.time | None = None

    @field_validator("weekday", mode="before")
    @classmethod
    def _lower_weekday(cls, value: Any) -> Any:
        if isinstance(value, str) and len(value.strip()) >= 2:
            # "tue", "Tuesday" and "tuesday" all mean tuesday
            matches = [day for day in WEEKDAYS if day.startswith(value.strip().lower())]
            return matches[0] if len(matches) == 1 else value
        return value

    @field_validator("nth", mode="before")
    @classmethod
    def _nth_word(cls, value: Any) -> Any:
        return NTH_WORDS.get(value.strip().lower(), value) if isinstance(value, str) else value

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        return _yaml_time(value)

    @property
    def sets_day(self) -> bool:
        return self.weekday is not None or self.nth is not None or self.day is not None


class When(DayFields):
    """A complete monthly rule: a day of the month and a local time of day."""

    time: dt.time = dt.time(9, 0)

    @model_validator(mode="after")
    def _one_day_rule(self) -> When:
        by_weekday = self.weekday is not None or self.nth is not None
        if by_weekday and self.day is not None:
            raise ValueError("give either weekday + nth or day, not both")
        if by_weekday and (self.weekday is None or self.nth is None):
            raise ValueError("weekday and nth go together (e.g. weekday: tuesday, nth: first)")
        if not by_weekday and self.day is None:
            raise ValueError("give weekday + nth (e.g. first tuesday) or day (1-28)")
        return self

    def latest_day(self) -> int:
        """The latest day of a month this rule can fall on."""
        if self.day is not None:
            return self.day
        return 31 if self.nth == -1 else 7 * (self.nth or 1)

    def describe(self) -> str:
        clock = self.time.strftime("%H:%M")
        if self.day is not None:
            return f"day {self.day} at {clock}"
        nth = {v: k for k, v in NTH_WORDS.items()}[self.nth or 1]
        return f"{nth} {self.weekday} at {clock}"


class Override(DayFields):
    """Another day and/or time for one region, one language, or one region in one language."""

    region: Region | None = None
    language: Language | None = None

    @model_validator(mode="after")
    def _targets_something(self) -> Override:
        if self.region is None and self.language is None:
            raise ValueError("an override names a region, a language or both")
        if not self.sets_day and self.time is None:
            raise ValueError("an override changes the day (weekday + nth, or day) or the time")
        return self

    def applies_to(self, variant: Variant) -> bool:
        return (self.region in (None, variant.region)) and (
            self.language in (None, variant.language)
        )

    def apply(self, when: When) -> When:
        day_part: dict[str, Any] = {"weekday": when.weekday, "nth": when.nth, "day": when.day}
        if self.sets_day:
            day_part = {"weekday": self.weekday, "nth": self.nth, "day": self.day}
        return When(**day_part, time=self.time or when.time)


class Deadline(BaseModel):
    """The last moment a late-approved edition may still go out on its own: `days_after` the
    planned send, or on `day_of_month` of the send's month (at the send's time of day)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days_after: int | None = Field(None, ge=0, le=MAX_DAYS)
    day_of_month: int | None = Field(None, ge=1, le=28)

    @model_validator(mode="after")
    def _exactly_one(self) -> Deadline:
        if (self.days_after is None) == (self.day_of_month is None):
            raise ValueError("give exactly one of days_after or day_of_month")
        return self


class Rule(BaseModel):
    """What one job needs at fire time; JSON-serialisable so it travels in the job's kwargs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: When
    timezone: str
    deadline: Deadline
    reminder_days: int

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SendGroup(BaseModel):
    """Variants that share one rule, as send filters: "*-*" (all), "hyks-*", "*-sv", "tyks-sv"."""

    model_config = ConfigDict(frozen=True)

    key: str
    targets: tuple[str, ...]
    rule: Rule


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")
    description: str = ""
    edition: Literal["month"] = "month"  # the edition of the month of the planned send
    timezone: str = "Europe/Helsinki"
    when: When
    regions: Literal["all"] | list[Region] = "all"
    languages: Literal["all"] | list[Language] = "all"
    overrides: list[Override] = Field(default_factory=list)
    reminder_days: int = Field(5, ge=0, le=MAX_DAYS)  # 0: no reminder
    deadline: Deadline = Deadline(days_after=3)
    grace_hours: float = Field(6.0, gt=0, le=24)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}") from err
        return value

    @field_validator("overrides")
    @classmethod
    def _overrides_targeted(cls, overrides: list[Override], info: ValidationInfo) -> list[Override]:
        regions, languages = info.data.get("regions"), info.data.get("languages")
        for override in overrides:
            if regions not in (None, "all") and override.region not in (None, *regions):
                raise ValueError(f"override for region {override.region}, which is not targeted")
            if languages not in (None, "all") and override.language not in (None, *languages):
                raise ValueError(f"override for language {override.language}, not targeted")
        return overrides

    @field_validator("deadline")
    @classmethod
    def _deadline_after_sends(cls, deadline: Deadline, info: ValidationInfo) -> Deadline:
        when, overrides = info.data.get("when"), info.data.get("overrides") or []
        if deadline.day_of_month is None or when is None:
            return deadline
        latest = max(rule.latest_day() for rule in [when, *(o.apply(when) for o in overrides)])
        if deadline.day_of_month < latest:
            raise ValueError(
                f"day_of_month {deadline.day_of_month} can fall before a send (a send can be "
                f"as late as day {latest}); use days_after or a later day"
            )
        return deadline

    def selected(self) -> tuple[list[Region], list[Language]]:
        regions = list(Region) if self.regions == "all" else list(self.regions)
        languages = list(Language) if self.languages == "all" else list(self.languages)
        return regions, languages

    def rules_by_variant(self) -> dict[Variant, When]:
        """Each targeted variant's effective day and time; later overrides win."""
        regions, languages = self.selected()
        result: dict[Variant, When] = {}
        for region in regions:
            for language in languages:
                variant = Variant(region=region, language=language)
                when = self.when
                for override in self.overrides:
                    if override.applies_to(variant):
                        when = override.apply(when)
                result[variant] = when
        return result

    def groups(self) -> list[SendGroup]:
        """The variants grouped by identical rules, each group as the fewest send filters."""
        by_when: dict[When, list[Variant]] = {}
        for variant, when in self.rules_by_variant().items():
            by_when.setdefault(when, []).append(variant)
        groups = []
        for when, variants in by_when.items():
            targets = _compress(variants)
            key = "all" if targets == ("*-*",) else "+".join(targets)
            rule = Rule(
                when=when,
                timezone=self.timezone,
                deadline=self.deadline,
                reminder_days=self.reminder_days,
            )
            groups.append(SendGroup(key=key, targets=targets, rule=rule))
        return sorted(groups, key=lambda g: g.key)


def _compress(variants: list[Variant]) -> tuple[str, ...]:
    chosen = {(v.region, v.language) for v in variants}
    if len(chosen) == len(Region) * len(Language):
        return ("*-*",)
    for language in Language:
        if chosen == {(r, language) for r in Region}:
            return (f"*-{language.value}",)
    targets = []
    for region in Region:
        langs = [lang for lang in Language if (region, lang) in chosen]
        if len(langs) == len(Language):
            targets.append(f"{region.value}-*")
        else:
            targets.extend(f"{region.value}-{lang.value}" for lang in langs)
    return tuple(targets)


# --- loading -------------------------------------------------------------------------------------


def _line_index(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*path, key_node.value)
            out[key] = key_node.start_mark.line + 1
            _line_index(value_node, key, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_index(item, (*path, index), out)


def _load(text: str, file: str) -> tuple[yaml.Node | None, Any]:
    """The node tree and the data, read with the strict loader (no anchors or aliases, bounded
    nesting); every failure is a ScheduleError with the line, never a traceback."""
    try:
        root = yaml.compose(text, Loader=StrictSafeLoader)
        data = yaml.load(text, Loader=StrictSafeLoader)  # noqa: S506 (a SafeLoader subclass)
    except (yaml.YAMLError, ValueError, TypeError) as err:
        problem = located(err)
        raise ScheduleError(file, problem.line, "yaml", str(problem)) from err
    return root, data


def parse_schedule(text: str, file: str) -> Schedule:
    """Validate one schedule file; errors name the file, the line and the field."""
    root, data = _load(text, file)
    if not isinstance(data, dict) or root is None:
        raise ScheduleError(file, 1, "(file)", "a schedule file is a mapping (name:, when:, ...)")
    lines: dict[tuple[Any, ...], int] = {}
    _line_index(root, (), lines)
    try:
        return Schedule.model_validate(data)
    except ValidationError as err:
        # The deepest location is the most precise one (a union reports each branch).
        first = max(err.errors(), key=lambda e: len(e["loc"]))
        # Drop pydantic's union-branch markers (e.g. "list[...]") so the path is the YAML's.
        loc = tuple(p for p in first["loc"] if isinstance(p, int) or p in _known_keys(lines))
        line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
        field = ".".join(str(p) for p in loc) or "(schedule)"
        raise ScheduleError(file, line, field, first["msg"]) from err


def _known_keys(lines: dict[tuple[Any, ...], int]) -> set[Any]:
    return {part for path in lines for part in path if isinstance(part, str)} | set(
        Schedule.model_fields
    )
