"""`mailer roster ...`: import and list contact rosters."""

from __future__ import annotations

import typer

app = typer.Typer(help="Contact rosters: import and list.", no_args_is_help=True)
