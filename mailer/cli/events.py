"""`mailer serve`, `mailer bounces ...`, `mailer report ...`: events, bounces and reports."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `serve`, `bounces` and `report` to the main app."""
