"""The `mailer` command line (Typer + rich). Each command is a thin call into `mailer.pipeline`."""

from __future__ import annotations

import typer

from mailer.cli import (
    admin,
    audit,
    contacts,
    db,
    demo,
    editions,
    events,
    organisations,
    reports,
    roster,
    schedules,
    send,
    users,
)

__all__ = ["app", "main"]

app = typer.Typer(
    name="mailer",
    help="vipu-mailer: monthly letters to the VIP network's VIPU contacts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(roster.app, name="roster")
app.add_typer(contacts.app, name="contact")
app.add_typer(organisations.app, name="organisations")
app.add_typer(editions.app, name="edition")
send.register(app)
events.register(app)
app.add_typer(reports.app, name="report")
app.add_typer(admin.app, name="admin")
app.add_typer(schedules.app, name="schedule")
app.add_typer(users.app, name="user")
app.add_typer(audit.app, name="audit")
demo.register(app)


def main() -> None:
    app()
