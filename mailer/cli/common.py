"""What every command shares: the context from settings, output helpers, error -> exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console

from mailer.config import load_settings
from mailer.core.edition.dates import is_month
from mailer.core.errors import ConfigError, MailerError
from mailer.pipeline import Context
from mailer.pipeline.startup import Command, refuse_unsafe_settings

__all__ = ["console", "err_console", "exit_on_error", "open_context", "print_json"]


def _console(stderr: bool) -> Console:
    """A terminal gets rich's wrapping to its width; a pipe or file gets whole lines, so an
    address or a number is never split across lines for the script reading them."""
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, soft_wrap=True, width=1000)


console = _console(stderr=False)
err_console = _console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

# Exit codes: 0 ok; 1 the command ran but reports a problem (rejected rows, failed deliveries);
# 2 the command could not run (bad config, bad input, refused).
EXIT_PROBLEMS = 1
EXIT_ERROR = 2


@contextmanager
def open_context(command: Command | None = None) -> Iterator[Context]:
    """Settings from the environment, and a context whose engine is disposed at the end.
    `command` names a command with start-up checks (mailer/pipeline/startup.py): unsafe
    settings stop it here, before it touches the database or the provider."""
    try:
        settings = load_settings()
        if command is not None:
            refuse_unsafe_settings(settings, command)
    except ConfigError as err:
        err_console.print(f"[bold red]configuration error:[/] {err}")
        raise typer.Exit(EXIT_ERROR) from err
    ctx = Context(settings)
    try:
        yield ctx
    finally:
        ctx.close()


@contextmanager
def exit_on_error() -> Iterator[None]:
    """Turn our own errors into a one-line message and exit status 2 (no traceback)."""
    try:
        yield
    except MailerError as err:
        err_console.print(f"[bold red]error:[/] {err}", highlight=False)
        raise typer.Exit(EXIT_ERROR) from err


def month_argument(value: str | None) -> str | None:
    """Typer callback of every YYYY-MM argument: the one shared month check (a full match on
    ASCII digits, so "2026-11\\n" or Arabic-Indic digits never reach a file name)."""
    if value is not None and not is_month(value):
        raise typer.BadParameter(f"{value!r}: expected an edition month YYYY-MM, e.g. 2026-11")
    return value


def print_json(data: Any) -> None:
    """Machine-readable output on stdout, nothing else mixed in."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
