"""`mailer audit list`: the audit log, newest first, as a table, JSON or formula-safe CSV."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from mailer.cli.common import (
    EXIT_ERROR,
    console,
    err_console,
    exit_on_error,
    open_context,
    print_json,
)
from mailer.core.accounts import AuditAction
from mailer.pipeline.audit import audit_csv, audit_page

__all__ = ["app"]

app = typer.Typer(help="The audit log: who did what and when.", no_args_is_help=True)


@app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV for a spreadsheet.")] = False,
    action: Annotated[
        AuditAction | None, typer.Option("--action", help="Only this kind of entry.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most this many (newest).")
    ] = None,
) -> None:
    """The audit log, newest first."""
    if as_json and as_csv:
        err_console.print("[bold red]error:[/] choose one of --json and --csv")
        raise typer.Exit(EXIT_ERROR)
    with open_context() as ctx, exit_on_error():
        rows = audit_page(ctx, action=action, limit=limit).rows
    if as_csv:
        typer.echo(audit_csv(rows), nl=False)
        return
    if as_json:
        print_json(
            [
                {
                    "at": r.at.isoformat(timespec="seconds"),
                    "actor": r.actor,
                    "action": r.action.value,
                    "target": r.target,
                    "detail": r.detail,
                }
                for r in rows
            ]
        )
        return
    table = Table("at", "actor", "action", "target", "detail")
    for r in rows:
        at = r.at.astimezone(ctx.zone).strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(at, r.actor, r.action.value, r.target, r.detail)
    console.print(table)
