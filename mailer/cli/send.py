"""`mailer send YYYY-MM`: deliver an approved edition."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `send` command to the main app."""
