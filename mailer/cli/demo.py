"""`mailer demo`: the main job on a copy of the sample data in its own folder and database (the
README's first Quickstart command)."""

from __future__ import annotations

from typing import Annotated

import typer

from mailer.cli.common import console, exit_on_error, open_context, print_json
from mailer.cli.reports import edition_table, print_bounce_tables
from mailer.demo.run import demo_settings, prepare_demo_dir, run_demo
from mailer.pipeline.context import Context


def demo(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole report as JSON.")
    ] = False,
) -> None:
    """Run the whole pipeline on a copy of the sample data in its own folder and database
    (`<MAILER_VAR_DIR>/demo/`): import, check, preview, send to the file outbox, signed delivery
    events through the webhook, reports. Never touches your register, editions, outbox or
    events. Safe to run again."""
    with open_context(as_json) as user_ctx, exit_on_error(as_json):
        settings = demo_settings(user_ctx.settings)
        prepare_demo_dir(user_ctx.settings, settings)
        ctx = Context(settings)
        try:
            say = (
                (lambda _msg: None)
                if as_json
                else (lambda msg: console.print(msg, highlight=False, markup=False))
            )
            report = run_demo(ctx, say=say)
        finally:
            ctx.close()
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    imp, sent = report.imported, report.sent
    console.print(
        f"\nrosters: {imp.rows} rows, {imp.accepted} accepted, {imp.rejected} rejected; "
        f"{imp.created} created, {imp.updated} updated, {imp.unchanged} unchanged",
        highlight=False,
    )
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(sent.skipped.items())) or "none"
    console.print(
        f"send {report.edition}: {sent.accepted} accepted now, {sent.already_accepted} already "
        f"accepted earlier, {sent.failed} failed, {sent.ambiguous} ambiguous; skipped: {skipped}",
        highlight=False,
    )
    console.print(
        f"webhook: {report.events_posted} signed events posted, {report.events_stored} new; "
        f"one-click unsubscribe answered {report.one_click_status}",
        highlight=False,
    )
    console.print(edition_table(report.edition_report))
    print_bounce_tables(report.bounce_report, console)
    console.print(f"\ndemo folder:    {report.folder}", highlight=False)
    console.print(f"database:       {report.database}", highlight=False)
    console.print(f"outbox:         {report.outbox}", highlight=False)
    console.print(f"preview:        {report.preview_index}", highlight=False)
    console.print(f"bounce report:  {report.report_html}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the `demo` command to the main app."""
    app.command("demo")(demo)
