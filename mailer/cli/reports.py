"""`mailer report ...`: bounce and edition reports."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Reports: bounces per region, an edition's delivery figures.", no_args_is_help=True
)
