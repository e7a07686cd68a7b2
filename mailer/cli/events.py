"""`mailer serve` (the web service: webhook, unsubscribe, workspace) and `mailer bounces sync`."""

from __future__ import annotations

import typer
from rich.table import Table

from mailer.cli.common import console, exit_on_error, open_context, print_json
from mailer.pipeline.startup import Command

bounces = typer.Typer(
    help="Bounces: sync SendGrid's suppression lists into the register.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add `serve` and `bounces` to the main app (`report` is registered by cli/reports.py)."""
    app.command("serve")(serve)
    app.add_typer(bounces, name="bounces")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
) -> None:
    """Run the web service: the signed SendGrid webhook, unsubscribe pages, the workspace."""
    import uvicorn

    from mailer.web.app import check_webhook_config, create_app

    with open_context(command=Command.SERVE) as ctx, exit_on_error():
        # refuse before binding the port, with a one-line error (the app checks again at start-up)
        check_webhook_config(ctx.settings)
        app = create_app(ctx.settings, ctx)
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


@bounces.command("sync")
def sync(
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Page through SendGrid's suppression lists (bounces, blocks, invalid emails, spam reports)
    and apply the bounce policy to what they say. Safe to re-run: nothing is stored twice."""
    from mailer.pipeline.events import sync_suppressions

    with open_context(json_out) as ctx, exit_on_error(json_out):
        report = sync_suppressions(ctx)
    if json_out:
        print_json(report.model_dump(mode="json"))
        return
    table = Table("list", "entries", title=f"SendGrid suppression lists ({report.pages} pages)")
    for name, count in report.lists.items():
        table.add_row(name, str(count))
    console.print(table)
    ingest = report.ingest
    console.print(
        f"new events {ingest.stored}, already known {ingest.duplicates}, "
        f"without a contact {ingest.unlinked}, status changes {ingest.status_changes}"
    )
    for change in ingest.changes:
        console.print(
            f"  contact {change.contact_id}: {change.old_status} -> {change.new_status} "
            f"({change.reason})",
            highlight=False,
        )
