"""`mailer demo`: the main job on the embedded defaults (the README's first Quickstart command)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `demo` command to the main app."""
