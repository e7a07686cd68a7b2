"""`mailer edition ...`: check, preview, approve, status."""

from __future__ import annotations

import typer

app = typer.Typer(help="Monthly editions: check, preview, approve, status.", no_args_is_help=True)
