"""`mailer contact ...`: one contact at a time (erase, reactivate)."""

from __future__ import annotations

import typer

app = typer.Typer(help="One contact: erase (GDPR), reactivate.", no_args_is_help=True)
