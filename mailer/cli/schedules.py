"""`mailer schedule ...`: sync, list, run."""

from __future__ import annotations

import typer

app = typer.Typer(help="Schedules: sync, list, run the scheduler.", no_args_is_help=True)
