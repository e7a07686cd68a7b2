"""`mailer edition ...`: check, preview, approve, status."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mailer.cli.common import (
    EXIT_PROBLEMS,
    console,
    err_console,
    exit_on_error,
    open_context,
    print_json,
)
from mailer.pipeline.editions.check import (
    EditionStatus,
    approval_status,
    approve_edition,
    check_edition,
    list_statuses,
)
from mailer.pipeline.editions.preview import write_preview

app = typer.Typer(help="Monthly editions: check, preview, approve, status.", no_args_is_help=True)

Month = Annotated[str, typer.Argument(help="The edition's month, YYYY-MM.", metavar="YYYY-MM")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@app.command("check")
def check(month: Month, as_json: Json = False) -> None:
    """Check content, all 10 variants, links and sizes; exit 1 listing every problem."""
    with open_context() as ctx, exit_on_error():
        report = check_edition(ctx, month)
    if as_json:
        print_json(report.model_dump(mode="json"))
    elif report.ok:
        sizes = ", ".join(f"{k} {v / 1000:.0f} kB" for k, v in report.html_bytes.items())
        console.print(f"[green]edition {month}: all 10 variants OK[/] ({sizes})", highlight=False)
    else:
        table = Table(title=f"edition {month}: {len(report.problems)} problem(s)")
        for column in ("where", "region", "language", "field", "problem"):
            table.add_column(column, overflow="fold")
        for p in report.problems:
            where = f"{p.file}:{p.line}" if p.line is not None else p.file
            table.add_row(where, p.region, p.language, p.field, p.message)
        console.print(table)
    if not report.ok:
        raise typer.Exit(EXIT_PROBLEMS)


@app.command("preview")
def preview(
    month: Month,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write into (default var/preview/YYYY-MM)."),
    ] = None,
) -> None:
    """Write every variant (HTML and text) for a sample contact, and an index.html of all 10."""
    with open_context() as ctx, exit_on_error():
        index = write_preview(ctx, month, out)
    typer.echo(str(index))


@app.command("approve")
def approve(
    month: Month,
    by: Annotated[str, typer.Option("--by", help="Who approves (recorded with the hash).")],
) -> None:
    """Approve the edition as it is now (refused while `check` finds problems)."""
    with open_context() as ctx, exit_on_error():
        status = approve_edition(ctx, month, by)
    console.print(
        f"[green]edition {month} approved[/] by {status.approved_by} at "
        f"{status.approved_at:%Y-%m-%d %H:%M} UTC (sha256 {status.current_hash})",
        highlight=False,
    )


def _row(status: EditionStatus) -> list[str]:
    approved = ""
    if status.approved_by is not None and status.approved_at is not None:
        approved = f"{status.approved_by}, {status.approved_at:%Y-%m-%d %H:%M} UTC"
    note = "changed since approval" if status.changed_since_approval else ""
    return [status.month, status.state, approved, note]


@app.command("status")
def status(
    month: Annotated[str | None, typer.Argument(help="One month (default: all).")] = None,
    as_json: Json = False,
) -> None:
    """Show draft / approved / sent per month."""
    with open_context() as ctx, exit_on_error():
        statuses = [approval_status(ctx, month)] if month else list_statuses(ctx)
    if as_json:
        print_json([s.model_dump(mode="json") for s in statuses])
        return
    if not statuses:
        err_console.print("no editions yet (letters/ is empty)")
        return
    table = Table(title="editions")
    for column in ("month", "state", "approved", "note"):
        table.add_column(column)
    for item in statuses:
        table.add_row(*_row(item))
    console.print(table)
