"""Start-up checks: the settings a command refuses to run with, all in one place.

`send`, `serve` and `schedule run` call `refuse_unsafe_settings` before they touch anything. With
a real provider (anything but the file outbox) they refuse the development secret key, a key
shorter than 32 bytes (tokens signed with it could be forged: anyone could unsubscribe anyone)
and a public URL that is not https (Gmail and Yahoo require https one-click unsubscribe links).
The outbox demo needs no
settings at all: nothing leaves the machine, so the development key is harmless there.
"""

from __future__ import annotations

from enum import StrEnum

from mailer.config import Settings
from mailer.core.errors import ConfigError

__all__ = [
    "MIN_SECRET_KEY_BYTES",
    "Command",
    "production_problems",
    "refuse_unsafe_settings",
]

MIN_SECRET_KEY_BYTES = 32
MAKE_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
_DEV_KEY_FIELD = Settings.model_fields["secret_key"].default


class Command(StrEnum):
    """The long-running or letter-sending commands that check their settings at start-up."""

    SEND = "send"
    SERVE = "serve"
    SCHEDULE_RUN = "schedule run"


def _secret_key_problem(settings: Settings) -> ConfigError | None:
    key = settings.secret_key.get_secret_value()
    if key == _DEV_KEY_FIELD.get_secret_value():
        why = "is the development value committed in the repository"
    elif len(key.encode("utf-8")) < MIN_SECRET_KEY_BYTES:
        why = f"is shorter than {MIN_SECRET_KEY_BYTES} bytes"
    else:
        return None
    return ConfigError(
        "MAILER_SECRET_KEY",
        f"{why}: anyone could forge the unsubscribe links signed with it. Make one with "
        f"`{MAKE_KEY}` and set it in the service's environment",
    )


def _public_url_problem(settings: Settings) -> ConfigError | None:
    if settings.public_url.lower().startswith("https://"):
        return None
    return ConfigError(
        "MAILER_PUBLIC_URL",
        f"must be an https:// address (got {settings.public_url!r}): mailbox providers such as "
        "Gmail and Yahoo require https one-click unsubscribe links",
    )


def production_problems(settings: Settings, command: Command) -> list[ConfigError]:
    """Every reason `command` must not run with `settings` (empty when it may)."""
    problems: list[ConfigError] = []
    if settings.provider != "outbox":
        for check in (_secret_key_problem, _public_url_problem):
            problem = check(settings)
            if problem is not None:
                problems.append(problem)
    return problems


def refuse_unsafe_settings(settings: Settings, command: Command) -> None:
    """Raise a ConfigError naming the first offending variable, with every problem listed."""
    problems = production_problems(settings, command)
    if not problems:
        return
    first = problems[0]
    rest = "".join(f"\n  {problem}" for problem in problems[1:])
    message = str(first).removeprefix(f"{first.variable}: ")
    raise ConfigError(first.variable, f"{message}; `mailer {command}` refused{rest}")
