"""The content of a monthly edition (`letters/YYYY-MM.yaml`): pydantic models and the loader.

I/O-free: the pipeline reads the file and hands the text in. Every problem names the file, the
line (from `mailer.core.yaml_lines`), the field path, and the region and language it affects, so a
coordinator can fix all of them in one go. Every text is written in both languages: a missing or
empty `fi`/`sv` is an error, never a silent fallback to the other language.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from mailer.core.edition.codes import CheckCode
from mailer.core.edition.dates import MONTH_PATTERN
from mailer.core.edition.markup import link_targets
from mailer.core.errors import ContentError
from mailer.core.models import Language, Region
from mailer.core.yaml_lines import Path, YamlSyntaxError, line_of, load_with_lines

__all__ = [
    "ALL",
    "ContentProblem",
    "Edition",
    "Event",
    "Finding",
    "Image",
    "Link",
    "LocalText",
    "Section",
    "Severity",
    "check_link",
    "field_name",
    "parse_edition",
    "placement",
    "validate_edition",
]

ALL = "all"  # a problem that affects every region / both languages


def check_link(url: str) -> str:
    """Links in a letter must be absolute https (or mailto:): a relative or http link breaks or
    gets flagged by mail filters."""
    if url.startswith("mailto:") and "@" in url:
        return url
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in url):
        # a custom error type carries a code and the url, so the workspace can translate it
        raise PydanticCustomError(
            CheckCode.LINK_NOT_HTTPS,
            "link {url!r} is not an absolute https:// address",
            {"url": url},
        )
    return url


HttpsUrl = Annotated[str, AfterValidator(check_link)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalText(_Model):
    """One text in both languages; Markdown allowed where the template renders it as such."""

    fi: Text
    sv: Text

    @field_validator("fi", "sv")
    @classmethod
    def _links_are_https(cls, value: str) -> str:
        for target in link_targets(value):
            check_link(target)
        return value

    def get(self, language: Language) -> str:
        return self.fi if language is Language.FI else self.sv


class Link(_Model):
    url: HttpsUrl
    label: LocalText


class Image(_Model):
    src: HttpsUrl
    alt: LocalText  # required: every image in a letter has alt text in both languages
    width: int = Field(560, ge=16, le=560)


class Section(_Model):
    title: LocalText
    body: LocalText
    link: Link | None = None
    image: Image | None = None


class Event(_Model):
    title: LocalText
    start: datetime
    end: datetime | None = None
    place: LocalText | None = None
    online: bool = False
    registration: HttpsUrl
    description: LocalText | None = None
    # empty: a national event, in every region's letter
    regions: list[Region] = Field(default_factory=list)

    @field_validator("start", "end")
    @classmethod
    def _local_time(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        # Times in the file are wall-clock times in the letter's zone (Europe/Helsinki).
        if value is not None and value.tzinfo is None:
            zone = (info.context or {}).get("zone")
            if zone is None:
                raise ValueError("a time without a zone needs the letter's zone")
            value = value.replace(tzinfo=zone)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Event:
        if self.end is not None and self.end <= self.start:
            raise PydanticCustomError(CheckCode.EVENT_ENDS_FIRST, "the event ends before it starts")
        if self.place is None and not self.online:
            raise PydanticCustomError(
                CheckCode.EVENT_WITHOUT_PLACE, "an event needs a place, or `online: true`"
            )
        return self

    def is_for(self, region: Region) -> bool:
        return not self.regions or region in self.regions


class Edition(_Model):
    month: Annotated[str, StringConstraints(pattern=f"^{MONTH_PATTERN}$")]
    subject: LocalText
    preheader: LocalText
    intro: LocalText
    national: list[Section] = Field(min_length=1)
    themes: list[Section] = Field(default_factory=list)
    regional: dict[Region, list[Section]] = Field(default_factory=dict)
    events: list[Event] = Field(default_factory=list)
    closing: LocalText

    def events_for(self, region: Region) -> list[Event]:
        return sorted((e for e in self.events if e.is_for(region)), key=lambda e: e.start)


class Severity(StrEnum):
    """How a problem weighs on approval."""

    ERROR = "error"  # the edition cannot be approved until it is fixed
    OVERRIDABLE = "overridable"  # blocks approval unless overridden with a recorded reason
    WARNING = "warning"  # shown; never blocks


class ContentProblem(BaseModel):
    """One thing wrong with an edition, placed precisely."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int | None
    field: str
    region: str = ALL  # a region key, or "all"
    language: str = ALL  # fi, sv or "all"
    message: str  # English, for the CLI and the logs
    kind: Literal["content", "template", "html"] = "content"
    severity: Severity = Severity.ERROR
    # what the workspace translates: its catalogues hold `check_<code>` with {param} holes;
    # an empty code (a problem no catalogue knows) shows the English message
    code: str = ""
    params: dict[str, str] = Field(default_factory=dict)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        note = "" if self.severity is Severity.ERROR else f" ({self.severity.value})"
        return f"{where}: [{self.region}/{self.language}] {self.field}: {self.message}{note}"


def field_name(loc: Path) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_LANGUAGE_NAMES = {"fi": "Finnish", "sv": "Swedish"}


class Finding(NamedTuple):
    """A problem's English message with the code and values a catalogue translates it by."""

    message: str
    code: str = ""
    params: dict[str, str] = {}  # noqa: RUF012  (a NamedTuple default, never mutated)


def _message(err: Any, loc: Path) -> Finding:
    kind, last = err["type"], loc[-1] if loc else ""
    if kind == "missing" and last in _LANGUAGE_NAMES:
        name = _LANGUAGE_NAMES[str(last)]
        return Finding(
            f"the {name} text is missing (no fallback to the other language)",
            CheckCode.TEXT_MISSING,
        )
    if kind == "string_too_short" and last in _LANGUAGE_NAMES:
        return Finding(f"the {_LANGUAGE_NAMES[str(last)]} text is empty", CheckCode.TEXT_EMPTY)
    if kind == "missing":
        return Finding("this required field is missing", CheckCode.FIELD_MISSING)
    if kind == "extra_forbidden":
        return Finding("unknown field (check the spelling)", CheckCode.FIELD_UNKNOWN)
    value = str(err.get("input"))
    if kind == "enum":
        expected = ", ".join(r.value for r in Region)
        return Finding(
            f"unknown region {value!r} (expected one of {expected})",
            CheckCode.REGION_UNKNOWN,
            {"value": value, "expected": expected},
        )
    if kind.startswith(("datetime_", "date_")):
        return Finding(
            f"not a valid date and time: {value!r} (write YYYY-MM-DD HH:MM)",
            CheckCode.DATETIME_INVALID,
            {"value": value},
        )
    message: str = err["msg"]
    params = {k: str(v) for k, v in (err.get("ctx") or {}).items() if k != "error"}
    code = "" if kind in {"value_error", "assertion_error"} else kind
    return Finding(message.removeprefix("Value error, "), code, params)


def placement(loc: Path, data: Any) -> tuple[str, str]:
    """(region, language) a problem at `loc` affects."""
    language = str(loc[-1]) if loc and loc[-1] in _LANGUAGE_NAMES else ALL
    region = ALL
    if len(loc) >= 2 and loc[0] == "regional":
        region = str(loc[1])
    elif len(loc) >= 2 and loc[0] == "events" and isinstance(data, dict):
        try:
            listed = data["events"][loc[1]].get("regions") or []
            region = ",".join(str(r) for r in listed) or ALL
        except (LookupError, AttributeError, TypeError):
            region = ALL
    return region, language


def validate_edition(
    text: str, file: str, *, zone: tzinfo, month: str | None = None
) -> tuple[Edition | None, list[ContentProblem]]:
    """Parse and validate; returns the edition (None if invalid) and every problem found."""
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as err:
        # the parser's own words (or ours, mailer.core.yaml_words), framed by the catalogue
        problem = ContentProblem(
            file=file,
            line=err.line,
            field=err.field or "(file)",
            message=str(err),
            code=CheckCode.YAML_SYNTAX,
            params={"detail": str(err)},
        )
        return None, [problem]
    if not isinstance(data, dict):
        problem = ContentProblem(
            file=file,
            line=1,
            field="(file)",
            message="not a YAML mapping",
            code=CheckCode.YAML_NOT_MAPPING,
        )
        return None, [problem]
    try:
        edition = Edition.model_validate(data, context={"zone": zone})
    except ValidationError as err:
        problems = []
        for item in err.errors():
            loc: Path = tuple(p for p in item["loc"] if p != "[key]")
            region, language = placement(loc, data)
            found = _message(item, loc)
            problems.append(
                ContentProblem(
                    file=file,
                    line=line_of(lines, loc),
                    field=field_name(loc) or "(file)",
                    region=region,
                    language=language,
                    message=found.message,
                    code=found.code,
                    params=found.params,
                )
            )
        return None, problems
    if month is not None and edition.month != month:
        problem = ContentProblem(
            file=file,
            line=line_of(lines, ("month",)),
            field="month",
            message=f"says {edition.month} but the file is for {month}",
            code=CheckCode.MONTH_MISMATCH,
            params={"said": edition.month, "month": month},
        )
        return None, [problem]
    return edition, []


def parse_edition(text: str, file: str, *, zone: tzinfo, month: str | None = None) -> Edition:
    """The edition, or ContentError for its first problem (use `validate_edition` for all)."""
    edition, problems = validate_edition(text, file, zone=zone, month=month)
    if edition is None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ContentError(first.file, first.line, first.field, first.message + more)
    return edition
