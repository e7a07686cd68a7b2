"""`mailer send YYYY-MM`: deliver an approved edition."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from mailer.cli.common import (
    EXIT_ERROR,
    EXIT_PROBLEMS,
    console,
    err_console,
    exit_on_error,
    month_argument,
    open_context,
    print_json,
)
from mailer.core.models import Language, Region
from mailer.core.regions import parse_region
from mailer.pipeline.send.deliver import SendReport, send_edition, send_test
from mailer.pipeline.startup import Command

Month = Annotated[
    str,
    typer.Argument(
        help="The edition's month, YYYY-MM.", metavar="YYYY-MM", callback=month_argument
    ),
]


class _RateColumn(ProgressColumn):
    """Letters per second (rich's speed column counts bytes)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f}/s" if speed else "–/s", style="progress.data.speed")


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar with rate and ETA, only when a person watches a terminal."""
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("[bold]sending"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("send", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _scope(region: str | None, language: str | None) -> tuple[Region | None, Language | None]:
    parsed_region = parse_region(region) if region else None
    if region and parsed_region is None:
        err_console.print(
            f"[bold red]error:[/] --region {region!r}: one of hyks, kys, tays, tyks, oys"
        )
        raise typer.Exit(EXIT_ERROR)
    try:
        parsed_language = Language(language.lower()) if language else None
    except ValueError as err:
        err_console.print(f"[bold red]error:[/] --language {language!r}: fi or sv")
        raise typer.Exit(EXIT_ERROR) from err
    return parsed_region, parsed_language


def _summary(report: SendReport) -> None:
    skipped = ", ".join(f"{n} {reason}" for reason, n in report.skipped.items()) or "none"
    head = "dry run: would plan" if report.dry_run else "planned"
    console.print(
        f"edition {report.edition} via {report.provider}: {head} {report.planned} "
        f"({report.newly_planned} new), accepted {report.accepted} now "
        f"(+{report.already_accepted} earlier), failed {report.failed}, "
        f"ambiguous {report.ambiguous}, skipped: {skipped}",
        highlight=False,
    )
    if report.resolved_by_evidence or report.resent_ambiguous:
        console.print(
            f"ambiguous from an earlier run: {report.resolved_by_evidence} proven sent, "
            f"{report.resent_ambiguous} re-sent",
            highlight=False,
        )
    if report.in_flight_elsewhere:
        console.print(f"{report.in_flight_elsewhere} in flight in another running sender")
    for error in report.errors[:20]:
        err_console.print(f"[red]•[/] {error}", highlight=False)
    if report.ambiguous:
        err_console.print(
            f"[yellow]{report.ambiguous} deliveries are ambiguous[/] (interrupted mid-request). "
            "Wait for delivery events, run `mailer send` again to settle them, or re-send them "
            "with --resend-ambiguous (they may then arrive twice). See README 'Ambiguous batches'."
        )


def send(
    month: Month,
    *,
    region: Annotated[str | None, typer.Option("--region", help="Only this region.")] = None,
    language: Annotated[str | None, typer.Option("--language", help="Only fi or sv.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Plan and count, write and send nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable report.")] = False,
    resend_ambiguous: Annotated[
        bool,
        typer.Option(
            "--resend-ambiguous",
            help="Re-send deliveries an interrupted run left unproven (may arrive twice).",
        ),
    ] = False,
    test_to: Annotated[
        str | None,
        typer.Option("--test-to", help="Send each of the 10 variants once to this address."),
    ] = None,
) -> None:
    """Send an approved edition to every active contact, exactly once (resumable)."""
    scope_region, scope_language = _scope(region, language)
    with open_context(Command.SEND) as ctx, exit_on_error():
        if test_to:
            outcomes = send_test(ctx, month, test_to)
            if as_json:
                print_json([o.model_dump(mode="json") for o in outcomes])
            else:
                console.print(f"test send of {month}: {len(outcomes)} letters to {test_to}")
            if not all(o.accepted for o in outcomes):
                raise typer.Exit(EXIT_PROBLEMS)
            return
        with _progress(sys.stdout.isatty() and not as_json) as progress:
            report = send_edition(
                ctx,
                month,
                region=scope_region,
                language=scope_language,
                dry_run=dry_run,
                resend_ambiguous=resend_ambiguous,
                progress=progress,
            )
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        _summary(report)
    if report.failed or report.ambiguous:
        raise typer.Exit(EXIT_PROBLEMS)


def register(app: typer.Typer) -> None:
    """Add the `send` command to the main app."""
    app.command("send")(send)
