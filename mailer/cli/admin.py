"""`mailer admin ...`: set up access to the admin pages."""

from __future__ import annotations

import secrets
import sys
from typing import Annotated

import typer

from mailer.cli.common import EXIT_ERROR, err_console
from mailer.core.accounts.pbkdf2 import DEFAULT_ITERATIONS, hash_password

app = typer.Typer(
    help="Admin pages: password hash for MAILER_ADMIN_PASSWORD_HASH.", no_args_is_help=True
)

MIN_LENGTH = 12


@app.command("hash-password")
def hash_password_command(
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from standard input (scripts).")
    ] = False,
    iterations: Annotated[
        int, typer.Option("--iterations", min=100_000, help="PBKDF2-HMAC-SHA256 iterations.")
    ] = DEFAULT_ITERATIONS,
) -> None:
    """Print a hash of a new admin password for MAILER_ADMIN_PASSWORD_HASH (the password itself is
    never stored or printed)."""
    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Admin password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_LENGTH:
        err_console.print(f"[bold red]error:[/] use at least {MIN_LENGTH} characters")
        raise typer.Exit(EXIT_ERROR)
    encoded = hash_password(password, salt=secrets.token_bytes(16), iterations=iterations)
    typer.echo(encoded)
    # The value holds `$` signs: single quotes keep a shell from expanding them.
    err_console.print(
        f"Set it in the service's environment: MAILER_ADMIN_PASSWORD_HASH='{encoded}'",
        highlight=False,
        soft_wrap=True,
    )
