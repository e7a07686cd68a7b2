"""The `mailer` command line (Typer + rich). Each command is a thin call into `mailer.pipeline`."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version

import click
import typer
import typer.core
from typer.exceptions import TyperException

import mailer
from mailer.cli import (
    audit,
    contacts,
    db,
    demo,
    editions,
    events,
    inbound,
    organisations,
    reports,
    roster,
    schedules,
    send,
    users,
)
from mailer.cli.common import err_console, print_json

__all__ = ["app", "main"]

# Typer's help shows every parameter's type; for a flag (`<bool>`) or free text (`<str>`) that
# is noise next to the help text. Choices (`<fi|sv>`), numbers and paths keep theirs.
_NOISE = frozenset({"<bool>", "<str>"})


def _quiet_types(cls: type[typer.core.TyperOption] | type[typer.core.TyperArgument]) -> None:
    shown = cls.display_type_rich

    def display_type_rich(self: click.Parameter, ctx: click.Context) -> str | None:
        label = shown(self, ctx)  # type: ignore[arg-type]
        return None if label in _NOISE else label

    cls.display_type_rich = display_type_rich  # type: ignore[assignment,method-assign]


_quiet_types(typer.core.TyperOption)
_quiet_types(typer.core.TyperArgument)


def _version() -> str:
    try:
        return version("vipu-mailer")
    except PackageNotFoundError:  # running from a source tree without installing
        return mailer.__version__


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"mailer (vipu-mailer) {_version()}")
        raise typer.Exit()


app = typer.Typer(
    name="mailer",
    help="vipu-mailer: monthly letters to the VIP network's VIPU contacts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    show_version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """vipu-mailer: monthly letters to the VIP network's VIPU contacts."""


app.add_typer(db.app, name="db")
app.add_typer(roster.app, name="roster")
app.add_typer(contacts.app, name="contact")
app.add_typer(organisations.app, name="organisations")
app.add_typer(inbound.app, name="inbound")
app.add_typer(editions.app, name="edition")
send.register(app)
events.register(app)
app.add_typer(reports.app, name="report")
app.add_typer(schedules.app, name="schedule")
app.add_typer(users.app, name="user")
app.add_typer(audit.app, name="audit")
demo.register(app)


def main(argv: list[str] | None = None) -> None:
    """The console script. Click's own usage errors (an unknown option, a value an option does not
    take) are reported like every other error: under `--json` as a JSON object on stdout, so a
    script reading stdout never meets click's text there; otherwise on stderr. Exit status 2."""
    args = sys.argv[1:] if argv is None else argv
    try:
        code = app(args=args, standalone_mode=False)
    except TyperException as err:  # typer's click: usage errors, bad parameters, ...
        if "--json" in args:
            print_json({"error": err.format_message(), "kind": "usage", "exit_status": 2})
        else:
            show = getattr(err, "show", None)  # click's usage text, where the error has one
            if callable(show):
                show()
            else:
                err_console.print(f"error: {err.format_message()}", highlight=False)
        sys.exit(2)
    except typer.Abort:
        err_console.print("Aborted.")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
