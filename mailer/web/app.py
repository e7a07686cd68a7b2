"""FastAPI application factory (`mailer serve` runs it under uvicorn)."""

from __future__ import annotations

from fastapi import FastAPI

from mailer.config import Settings
from mailer.pipeline import Context

__all__ = ["create_app"]


def create_app(settings: Settings, context: Context | None = None) -> FastAPI:
    """Build the app for `settings`; tests pass a context with their own engine."""
    ctx = context or Context(settings)
    app = FastAPI(title="vipu-mailer", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    return app
