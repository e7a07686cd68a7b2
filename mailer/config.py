"""Settings from the environment (prefix MAILER_) and an optional `mailer.toml`.

Built once at an entry point (cli, web, scheduler) and passed down; nothing else reads the
environment. Secrets are `SecretStr` so they never show up in reprs or logs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from mailer.core.errors import ConfigError

__all__ = ["BouncePolicySettings", "Settings", "load_settings"]

ENV_PREFIX = "MAILER_"


class BouncePolicySettings(BaseSettings):
    """Thresholds of the bounce policy, as data (listmonk style), not code branches."""

    model_config = SettingsConfigDict(env_prefix="MAILER_POLICY_", extra="ignore")

    soft_editions_to_stale: int = Field(3, ge=1)
    soft_editions_to_suspect: int = Field(1, ge=1)
    # SendGrid retries a deferred message for 72 hours, then gives up (Event Webhook reference)
    deferral_give_up_hours: int = Field(72, ge=1)
    # matched case-insensitively against `dropped` reasons and `bounce_classification`
    hard_dropped_reasons: list[str] = Field(default_factory=lambda: ["Bounced Address", "Invalid"])
    unsubscribed_dropped_reasons: list[str] = Field(
        default_factory=lambda: ["Spam Reporting Address", "Unsubscribed Address"]
    )
    our_side_classifications: list[str] = Field(
        default_factory=lambda: ["Reputation", "Content", "Technical"]
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        toml_file="mailer.toml",
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
    public_url: str = "http://127.0.0.1:8000"
    unsubscribe_mailto: str = "unsubscribe@vip-verkosto.example"
    secret_key: SecretStr = SecretStr("dev-only-insecure-secret-change-me")

    # web service and events
    sendgrid_webhook_public_key: str | None = None
    webhook_unsigned_dev: bool = False
    webhook_replay_window: int = Field(600, ge=1)  # seconds
    webhook_max_body: int = Field(5_000_000, ge=1024)  # bytes
    admin_password: SecretStr | None = None
    admin_password_hash: SecretStr | None = None
    admin_user: str = "admin"
    # workspace sessions: ended after this long without a request, and this long after login
    session_idle_minutes: int = Field(30, ge=1)
    session_max_hours: int = Field(12, ge=1)

    # schedules
    coordinator_emails: list[str] = Field(default_factory=list)

    policy: BouncePolicySettings = Field(default_factory=BouncePolicySettings)

    @field_validator("admin_password", "admin_password_hash", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # MAILER_ADMIN_PASSWORD="" must not open the admin pages with an empty password
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, SecretStr) and not value.get_secret_value().strip():
            return None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}") from err
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
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation failure into a ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "?"
        variable = ENV_PREFIX + field.replace(".", "__").upper()
        shown = os.environ.get(variable)
        detail = first["msg"]
        if shown is not None and not field.endswith(("key", "password", "password_hash")):
            detail += f" (got {shown!r})"
        raise ConfigError(variable, detail) from err
