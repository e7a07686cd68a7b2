"""`mailer db ...`: schema migrations."""

from __future__ import annotations

import typer

from mailer.cli.common import console, exit_on_error, open_context
from mailer.pipeline import database

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database to the newest schema (safe to re-run)."""
    with open_context() as ctx, exit_on_error():
        console.print(f"database at revision {database.upgrade(ctx, revision)}")


@app.command("current")
def current() -> None:
    """Show the database's schema revision."""
    with open_context() as ctx, exit_on_error():
        console.print(database.revision(ctx) or "empty")
