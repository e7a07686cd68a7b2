"""`mailer inbound ...`: mail sent to the unsubscribe address that unsubscribed nobody (no valid
token in its subject), for a coordinator to read and handle by hand."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mailer.cli.common import (
    EXIT_PROBLEMS,
    console,
    err_console,
    exit_on_error,
    open_context,
    print_json,
)
from mailer.pipeline.inbound import mark_handled, open_messages

app = typer.Typer(
    help="Mail to the unsubscribe address (SendGrid Inbound Parse).", no_args_is_help=True
)


@app.command("list")
def list_command(
    include_handled: Annotated[
        bool, typer.Option("--all", help="Every recorded message, handled and unsubscribed too.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Messages waiting for a coordinator (newest first): who sent them and what they say."""
    with open_context() as ctx, exit_on_error():
        found = open_messages(ctx, include_handled=include_handled)
    if as_json:
        print_json([record._asdict() for record in found])
        return
    table = Table(title=f"Inbound messages: {len(found)}", title_justify="left")
    for name in ("id", "received", "outcome", "from", "subject", "text"):
        table.add_column(name, overflow="fold")
    for r in found:
        local = r.received_at.astimezone(ctx.zone).strftime("%-d.%-m.%Y %H.%M")
        excerpt = " ".join(r.text.split())[:200]
        table.add_row(
            str(r.id), local, r.outcome.value, escape(r.sender), escape(r.subject), escape(excerpt)
        )
    console.print(table)


@app.command("resolve")
def resolve_command(
    message_id: Annotated[int, typer.Argument(help="The id shown by `mailer inbound list`.")],
    note: Annotated[str, typer.Option("--note", help="What was done (kept with the message).")],
    by: Annotated[str, typer.Option("--by", help="Who handled it.")] = "coordinator",
) -> None:
    """Mark a kept message as handled, with a note of what was done."""
    with open_context() as ctx, exit_on_error():
        done = mark_handled(ctx, message_id, by=by, note=note)
    if not done:
        err_console.print(f"[bold red]error:[/] no open inbound message {message_id}")
        raise typer.Exit(EXIT_PROBLEMS)
    console.print(f"message {message_id} marked handled")
