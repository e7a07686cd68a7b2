"""Settings from the environment (prefix MAILER_) and an optional `mailer.toml`.

Built once at an entry point (cli, web, scheduler) and passed down; nothing else reads the
environment. Secrets are `SecretStr` so they never show up in reprs or logs.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from mailer.core.errors import ConfigError
from mailer.core.models import Language

__all__ = [
    "BouncePolicySettings",
    "MissingFromRoster",
    "Settings",
    "load_settings",
]

ENV_PREFIX = "MAILER_"
POLICY_PREFIX = "MAILER_POLICY_"
TOML_FILE = "mailer.toml"


def _split_list(value: object) -> object:
    """A list setting from the environment: a JSON list (`["a", "b"]`) or, as people write
    it, a plain comma-separated one (`a, b`); empty items are dropped."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"not a valid JSON list ({err.msg}); or write a, b, c") from err
    return [item.strip() for item in text.split(",") if item.strip()]


# NoDecode: pydantic-settings would otherwise insist on JSON and fail with a traceback.
TextList = Annotated[list[str], NoDecode, BeforeValidator(_split_list)]


class MissingFromRoster(StrEnum):
    """What happens to a contact no longer in the roster file that listed them."""

    KEEP = "keep"  # keeps receiving letters until unsubscribed or erased (a roster may lag)
    PAUSE = "pause"  # receives none while missing; a roster listing them again resumes


class BouncePolicySettings(BaseSettings):
    """Thresholds of the bounce policy, as data (listmonk style), not code branches."""

    model_config = SettingsConfigDict(env_prefix=POLICY_PREFIX, extra="ignore")

    soft_editions_to_stale: int = Field(3, ge=1)
    soft_editions_to_suspect: int = Field(1, ge=1)
    # SendGrid retries a deferred message for 72 hours, then gives up (Event Webhook reference)
    deferral_give_up_hours: int = Field(72, ge=1)
    # matched case-insensitively against `dropped` reasons and `bounce_classification`
    hard_dropped_reasons: TextList = Field(default_factory=lambda: ["Bounced Address", "Invalid"])
    unsubscribed_dropped_reasons: TextList = Field(
        default_factory=lambda: ["Spam Reporting Address", "Unsubscribed Address"]
    )
    our_side_classifications: TextList = Field(
        default_factory=lambda: ["Reputation", "Content", "Technical"]
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        toml_file=TOML_FILE,
    )

    # storage and paths
    database_url: str = "sqlite:///var/mailer.db"
    timezone: str = "Europe/Helsinki"
    var_dir: Path = Path("var")
    letters_dir: Path = Path("letters")
    templates_dir: Path = Path("templates")
    recipients_dir: Path = Path("recipients")
    schedules_dir: Path = Path("schedules")

    # delivery
    provider: Literal["outbox", "sendgrid"] = "outbox"
    sendgrid_api_key: SecretStr | None = None
    sendgrid_host: str = "https://api.sendgrid.com"
    sendgrid_timeout: float = Field(30.0, gt=0)
    sendgrid_asm_group_id: int | None = None
    sendgrid_sandbox: bool = False
    batch_size: int = Field(1000, ge=1, le=1000)
    from_email: str = "vipu@vip-verkosto.example"
    from_name: str = "VIP-verkosto"
    reply_to: str | None = None
    sender_address: str = "VIP-verkosto, PL 1, 00100 Helsinki"
    # the Swedish letters' sender name and postal address (default: the Finnish ones above)
    from_name_sv: str | None = None
    sender_address_sv: str | None = None
    # RFC 2919 list identifier: lets inboxes and filters recognise the letter as one list
    list_id: str = "VIPU-kuukausikirje <vipu.vip-verkosto.example>"
    # optional Feedback-ID header (Gmail's Feedback Loop), sent with SendGrid letters only;
    # `{edition}` and `{variant}` are filled in, e.g. "{edition}:{variant}:vipu:vip-verkosto"
    sendgrid_feedback_id: str | None = None
    # per-person open and click tracking at SendGrid: off (the network needs aggregates only)
    sendgrid_open_tracking: bool = False
    sendgrid_click_tracking: bool = False
    public_url: str = "http://127.0.0.1:8000"
    unsubscribe_mailto: str = "unsubscribe@vip-verkosto.example"
    secret_key: SecretStr = SecretStr("dev-only-insecure-secret-change-me")

    # the contact's own page (/p/): a confirmed successor becomes active without a
    # coordinator's approval when this is true; confirmation links (a new address, a
    # successor) end after this many hours
    successor_auto_approve: bool = False
    confirmation_link_hours: int = Field(72, ge=1, le=24 * 30)

    # web service and events
    sendgrid_webhook_public_key: str | None = None
    webhook_unsigned_dev: bool = False
    webhook_replay_window: int = Field(600, ge=1)  # seconds
    webhook_max_body: int = Field(5_000_000, ge=1024)  # bytes
    # SendGrid Inbound Parse posts mail for the unsubscribe address to /webhooks/inbound/SECRET
    inbound_secret: SecretStr | None = None
    inbound_max_body: int = Field(10_000_000, ge=1024)  # bytes; attachments count too
    # a roster uploaded in the workspace (the whole multipart post); other posts: 64 KiB
    roster_max_upload: int = Field(5 * 1024 * 1024, ge=65_536)  # bytes
    # an image uploaded for the letters (the whole multipart post)
    media_max_upload: int = Field(10 * 1024 * 1024, ge=65_536)  # bytes
    # workspace sessions: ended after this long without a request, and this long after login
    session_idle_minutes: int = Field(30, ge=1)
    session_max_hours: int = Field(12, ge=1)
    # four-eyes: the approver may not be the author of the approved revision, unless a small
    # team allows one person (such an approval is recorded as one-person)
    approval_single_person: bool = False

    # register
    missing_from_roster: MissingFromRoster = MissingFromRoster.KEEP

    # schedules
    coordinator_emails: TextList = Field(default_factory=list)

    policy: BouncePolicySettings = Field(default_factory=BouncePolicySettings)

    def from_name_for(self, language: Language) -> str:
        """The sender name of letters in `language`."""
        if language is Language.SV and self.from_name_sv:
            return self.from_name_sv
        return self.from_name

    def sender_address_for(self, language: Language) -> str:
        """The sender's postal address in the footer of letters in `language`."""
        if language is Language.SV and self.sender_address_sv:
            return self.sender_address_sv
        return self.sender_address

    @field_validator("list_id")
    @classmethod
    def _list_id(cls, value: str) -> str:
        # RFC 2919: an optional phrase, then <list-label.namespace> (a dot-atom, no spaces)
        if not re.fullmatch(
            r"[^<>\r\n]*<[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)+>",
            value.strip(),
        ):
            raise ValueError("expected e.g. 'VIPU-kuukausikirje <vipu.vip-verkosto.example>'")
        return value.strip()

    @field_validator("sendgrid_feedback_id")
    @classmethod
    def _feedback_id(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            filled = value.strip().format(edition="2026-11", variant="hyks-fi")
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError("only {edition} and {variant} may be filled in") from err
        if not filled.isascii() or any(c.isspace() for c in filled):
            raise ValueError("ASCII without spaces, e.g. '{edition}:{variant}:vipu:vip-verkosto'")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}") from err
        return value

    @field_validator("coordinator_emails")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            try:
                validate_email(address, check_deliverability=False)
            except EmailNotValidError as err:
                raise ValueError(f"{address!r} is not an email address: {err}") from err
        return value

    @field_validator("public_url", "sendgrid_host")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment wins over mailer.toml; mailer.toml over the defaults.
        return (init_settings, env_settings, _CheckedToml(settings_cls))

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"


class _CheckedToml(TomlConfigSettingsSource):
    """mailer.toml, with a syntax error or an unknown key reported as one line naming the file
    and line (tomllib's own error is a traceback; pydantic would ignore a misspelt key)."""

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        text = Path(file_path).read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            found = re.search(r"\(at line (\d+), column (\d+)\)", str(err))
            where = f" line {found.group(1)}" if found else ""
            message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(err))
            raise ConfigError(f"{file_path}{where}", f"not valid TOML: {message}") from err
        _check_keys(str(file_path), text, data, Settings.model_fields, "")
        if isinstance(data.get("policy"), dict):
            fields = BouncePolicySettings.model_fields
            _check_keys(str(file_path), text, data["policy"], fields, "policy.")
        return data


def _check_keys(file: str, text: str, data: dict[str, Any], known: dict[str, Any], at: str) -> None:
    for key in data:
        if key in known:
            continue
        line = next(
            (
                n
                for n, row in enumerate(text.splitlines(), 1)
                if re.match(rf"\s*{re.escape(key)}\s*=", row)
            ),
            None,
        )
        close = difflib.get_close_matches(key, list(known), n=1)
        hint = f" (did you mean {at}{close[0]}?)" if close else ""
        where = f"{file} line {line}" if line else file
        raise ConfigError(where, f"unknown setting '{at}{key}'{hint}")


def _variable(err: ValidationError, loc: tuple[int | str, ...]) -> str:
    """The environment variable of an error location; nested policy fields are MAILER_POLICY_*
    whether the error came from the nested settings or from the outer ones."""
    names = [str(part) for part in loc if isinstance(part, str)]
    if err.title == BouncePolicySettings.__name__:
        return POLICY_PREFIX + "_".join(names).upper()
    if names[:1] == ["policy"] and len(names) > 1:
        return POLICY_PREFIX + "_".join(names[1:]).upper()
    return ENV_PREFIX + "_".join(names).upper() if names else ENV_PREFIX + "?"


_SECRET_ENDINGS = ("_key", "_password", "_password_hash", "database_url")


# The test suite's own variables (tests/conftest.py); they configure no running service.
_TEST_VARIABLES = "MAILER_TEST_"


def _check_environment(environ: dict[str, str]) -> None:
    """Refuse a MAILER_ variable that names no setting. pydantic would ignore it, and a misspelt
    MAILER_PROVIDR or MAILER_SECRET_KEYS would leave the safe-looking default in force unnoticed."""
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields if name != "policy"}
    known |= {POLICY_PREFIX + name.upper() for name in BouncePolicySettings.model_fields}
    for variable in sorted(environ):
        upper = variable.upper()
        if not upper.startswith(ENV_PREFIX) or upper.startswith(_TEST_VARIABLES):
            continue
        if upper not in known:
            close = difflib.get_close_matches(upper, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ConfigError(variable, f"unknown setting{hint}")


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation failure into a ConfigError naming the variable."""
    _check_environment(dict(os.environ))
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        errors = err.errors()
        variable = _variable(err, errors[0]["loc"])
        detail = errors[0]["msg"].removeprefix("Value error, ")
        shown = os.environ.get(variable)
        if shown is not None and not variable.lower().endswith(_SECRET_ENDINGS):
            detail += f" (got {shown!r})"
        elif shown is None and Path(TOML_FILE).is_file():
            key = variable.removeprefix(ENV_PREFIX).lower().replace("policy_", "policy.", 1)
            variable += f" ({key} in {TOML_FILE})"
        if len(errors) > 1:
            detail += f"; and {len(errors) - 1} more problem(s) in the settings"
        raise ConfigError(variable, detail) from err
    except SettingsError as err:  # a value pydantic-settings could not even decode
        found = re.search(r'field "(\w+)"', str(err))
        variable = ENV_PREFIX + (found.group(1).upper() if found else "?")
        raise ConfigError(
            variable, "not a valid value (a JSON object or list is expected)"
        ) from err
