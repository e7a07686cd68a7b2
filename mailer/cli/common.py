"""What every command shares: the context from settings, output helpers, error -> exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from mailer.config import load_settings
from mailer.core.edition.dates import is_month
from mailer.core.errors import ConfigError, MailerError
from mailer.core.models import Language, Region
from mailer.core.regions import parse_region
from mailer.core.roster.values import LANGUAGES, lookup
from mailer.pipeline import Context
from mailer.pipeline.startup import Command, refuse_unsafe_settings

__all__ = [
    "LanguageOption",
    "RegionOption",
    "confirm_or_exit",
    "console",
    "err_console",
    "exit_on_error",
    "fail",
    "open_context",
    "print_json",
]


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


def parse_region_option(text: str) -> Region:
    """--region, the one way every command reads it: any case, key or name (HYKS, kys,
    "KYS-alue", HUCS)."""
    found = parse_region(text)
    if found is None:
        raise typer.BadParameter(f"{text!r}: one of hyks, kys, tays, tyks, oys (any case)")
    return found


def parse_language_option(text: str) -> Language:
    """--language, the one way every command reads it: fi or sv in any case, or the words a
    roster's language column takes (suomi, svenska, Finnish)."""
    found = lookup(LANGUAGES, text)
    if found is None:
        raise typer.BadParameter(f"{text!r}: fi or sv (any case)")
    return found


RegionOption = Annotated[
    Region | None,
    typer.Option(
        "--region",
        parser=parse_region_option,
        metavar="REGION",
        help="Only this region: hyks, kys, tays, tyks or oys (any case).",
    ),
]
LanguageOption = Annotated[
    Language | None,
    typer.Option(
        "--language",
        parser=parse_language_option,
        metavar="LANG",
        help="Only this language: fi or sv (any case).",
    ),
]

# Exit codes: 0 ok; 1 the command ran but reports a problem (rejected rows, failed deliveries);
# 2 the command could not run (bad config, bad input, refused).
EXIT_PROBLEMS = 1
EXIT_ERROR = 2


def fail(message: str, as_json: bool = False, *, kind: str = "error", code: int = 2) -> NoReturn:
    """Stop with one line on stderr, or under --json with `{"error": ..., "kind": ...}` on
    stdout (where a script reads the rest of the output), and a non-zero exit status."""
    if as_json:
        print_json({"error": message, "kind": kind, "exit_status": code})
    else:
        label = "configuration error" if kind == "configuration" else "error"
        err_console.print(f"[bold red]{label}:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def open_context(as_json: bool = False, command: Command | None = None) -> Iterator[Context]:
    """Settings from the environment, and a context whose engine is disposed at the end.
    `command` names a command with start-up checks (mailer/pipeline/startup.py): unsafe
    settings stop it here, before it touches the database or the provider. Under --json
    (`as_json`) a configuration error is a JSON object on stdout."""
    try:
        settings = load_settings()
        if command is not None:
            refuse_unsafe_settings(settings, command)
    except ConfigError as err:
        fail(str(err), as_json, kind="configuration")
    ctx = Context(settings)
    try:
        yield ctx
    finally:
        ctx.close()


@contextmanager
def exit_on_error(as_json: bool = False) -> Iterator[None]:
    """Turn our own errors into a one-line message and exit status 2 (no traceback)."""
    try:
        yield
    except MailerError as err:
        fail(str(err), as_json, kind=type(err).__name__)


def stdin_is_terminal() -> bool:
    """Whether a person can answer a question (a seam: tests play the terminal)."""
    return sys.stdin.isatty()


def confirm_or_exit(question: str, *, yes: bool, err: bool = False) -> None:
    """Ask on a terminal; without one, only `--yes` proceeds (a script must say so: nothing
    irreversible happens because a cron job lost its terminal)."""
    if yes:
        return
    if not stdin_is_terminal():
        fail("not a terminal to ask for confirmation: add --yes to proceed")
    if not typer.confirm(question, default=False, err=err):
        err_console.print("cancelled: nothing changed")
        raise typer.Exit(EXIT_PROBLEMS)


def month_argument(value: str | None) -> str | None:
    """Typer callback of every YYYY-MM argument: the one shared month check (a full match on
    ASCII digits, so "2026-11\\n" or Arabic-Indic digits never reach a file name)."""
    if value is not None and not is_month(value):
        raise typer.BadParameter(f"{value!r}: expected an edition month YYYY-MM, e.g. 2026-11")
    return value


def print_json(data: Any) -> None:
    """Machine-readable output on stdout, nothing else mixed in."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
