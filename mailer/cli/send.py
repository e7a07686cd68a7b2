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
from rich.table import Table
from rich.text import Text

from mailer.cli import common
from mailer.cli.common import (
    EXIT_PROBLEMS,
    LanguageOption,
    RegionOption,
    confirm_or_exit,
    console,
    err_console,
    exit_on_error,
    fail,
    month_argument,
    open_context,
    print_json,
)
from mailer.cli.users import actor
from mailer.core.delivery.test_addresses import parse_test_addresses
from mailer.core.models import Language, Region
from mailer.pipeline.context import Context
from mailer.pipeline.send.confirm import send_preview
from mailer.pipeline.send.deliver import SendReport, send_edition
from mailer.pipeline.send.test_send import send_test
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


def _confirm(
    ctx: Context, month: str, region: Region | None, language: Language | None, as_json: bool
) -> None:
    """Show what will go and ask; off a terminal refuse without --yes (see confirm_or_exit).
    Under --json the question goes to stderr, so stdout stays one JSON document."""
    if not common.stdin_is_terminal():  # looked up at call time: tests play the terminal
        fail("not a terminal to ask for confirmation: add --yes to send", as_json)
    out = err_console if as_json else console
    preview = send_preview(ctx, month, region=region, language=language)
    table = Table(title=f"Edition {month} via {preview.provider}", title_justify="left")
    table.add_column("variant")
    table.add_column("active contacts", justify="right")
    for variant, count in sorted(preview.active_by_variant.items()):
        table.add_row(variant, str(count))
    out.print(table)
    skipped = ", ".join(f"{n} {reason}" for reason, n in preview.skipped.items()) or "none"
    out.print(
        f"letters to send now: {preview.to_send} (already accepted earlier: "
        f"{preview.already_accepted}; skipped: {skipped})",
        highlight=False,
    )
    if preview.scheduled_at is not None:
        out.print(
            f"schedule {preview.schedule!r} would send it at "
            f"{preview.scheduled_at:%a %d.%m.%Y %H:%M %Z}; sending by hand now does not send "
            "twice (the schedule then finds nothing left)",
            highlight=False,
        )
    confirm_or_exit(f"Send {preview.to_send} letters of {month} now?", yes=False, err=as_json)


def send(
    month: Month,
    *,
    region: RegionOption = None,
    language: LanguageOption = None,
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
        list[str] | None,
        typer.Option(
            "--test-to",
            help="Send each variant in scope once to these addresses (comma-separated or "
            "repeated, at most 10), outside the ledger.",
            metavar="EMAIL",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Send without asking (scripts: required off a terminal).")
    ] = False,
) -> None:
    """Send an approved edition to every active contact, exactly once (resumable).

    On a terminal it first shows the letters per variant (and when a schedule would send the
    edition) and asks; without a terminal it sends only with --yes."""
    with open_context(as_json, Command.SEND) as ctx, exit_on_error(as_json):
        if test_to:
            addresses = parse_test_addresses(test_to)
            outcomes = send_test(
                ctx, month, addresses, region=region, language=language, actor=actor()
            )
            if as_json:
                print_json([o.model_dump(mode="json") for o in outcomes])
            else:
                console.print(
                    f"test send of {month}: {len(outcomes)} letters to {', '.join(addresses)}",
                    highlight=False,
                )
            if not all(o.accepted for o in outcomes):
                raise typer.Exit(EXIT_PROBLEMS)
            return
        if not dry_run and not yes:
            _confirm(ctx, month, region, language, as_json)
        with _progress(sys.stdout.isatty() and not as_json) as progress:
            report = send_edition(
                ctx,
                month,
                region=region,
                language=language,
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
