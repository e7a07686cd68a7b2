"""FastAPI application factory (`mailer serve` runs it under uvicorn)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from mailer.config import Settings
from mailer.core.errors import ConfigError
from mailer.pipeline import Context
from mailer.pipeline.startup import Command, refuse_unsafe_settings
from mailer.providers.sendgrid.signature import load_public_key
from mailer.web import (
    account,
    appoint,
    appointments,
    approval,
    archive,
    assets,
    bounces,
    contact_confirm,
    contact_forms,
    contact_page,
    editions,
    editor,
    inbound,
    media,
    moved,
    organisations,
    pending,
    preview,
    register,
    roster_upload,
    schedule,
    sending,
    settings_page,
    test_send,
    unsubscribe,
    users,
    webhook,
    workspace,
)
from mailer.web.bodies import PUBLIC_MAX_BODY, BodyLimit
from mailer.web.sessions import Forbidden

__all__ = ["check_webhook_config", "create_app"]

log = logging.getLogger("mailer.web")
KEY_VARIABLE = "MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY"
# A send started from the workspace may finish its batch before the process exits (a send cut
# short is resumed by the next one; the ledger never mails anyone twice).
SHUTDOWN_WAIT = 30.0


def check_webhook_config(settings: Settings) -> None:
    """Refuse to serve an unsigned webhook (anyone could post bounces and unsubscribe the whole
    register) unless development mode asks for it, and then say so loudly."""
    keys = webhook.public_keys(settings.sendgrid_webhook_public_key)
    if keys:
        for number, key in enumerate(keys, start=1):
            try:
                load_public_key(key)
            except ValueError as err:
                where = f"key {number} of {len(keys)}: " if len(keys) > 1 else ""
                raise ConfigError(KEY_VARIABLE, where + str(err)) from err
        return
    if not settings.webhook_unsigned_dev:
        raise ConfigError(
            KEY_VARIABLE,
            "not set: the event webhook would accept unsigned posts. Set the public key from "
            "SendGrid (Mail Settings > Signed Event Webhook), or MAILER_WEBHOOK_UNSIGNED_DEV=true "
            "for local development only",
        )
    log.warning(
        "!!! UNSIGNED WEBHOOK: %s is not set and MAILER_WEBHOOK_UNSIGNED_DEV=true: anyone who can "
        "reach /webhooks/sendgrid can post events. Development only, never in production. !!!",
        KEY_VARIABLE,
    )


def create_app(settings: Settings, context: Context | None = None) -> FastAPI:
    """Build the app for `settings`; tests pass a context with their own engine.

    The webhook configuration is checked at start-up (the ASGI lifespan, which uvicorn always
    runs): an unsigned endpoint is refused unless `webhook_unsigned_dev` is set."""
    ctx = context or Context(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        refuse_unsafe_settings(settings, Command.SERVE)
        check_webhook_config(settings)
        try:
            yield
        finally:
            sending.sends_of_app(_app).join(timeout=SHUTDOWN_WAIT)
            if context is None:
                ctx.close()

    app = FastAPI(
        title="vipu-mailer", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.ctx = ctx
    app.include_router(webhook.router)
    app.include_router(inbound.router)
    app.include_router(unsubscribe.router)
    app.include_router(archive.router)
    app.include_router(appoint.router)
    app.include_router(appointments.router)
    app.include_router(moved.router)  # the old /admin/ pages: redirects to the workspace
    app.include_router(workspace.router)
    app.include_router(approval.router)
    app.include_router(preview.router)
    app.include_router(test_send.router)
    app.include_router(contact_page.router)
    app.include_router(contact_confirm.router)
    app.include_router(pending.router)
    app.include_router(schedule.router)
    app.include_router(sending.router)
    app.include_router(bounces.router)
    app.include_router(register.router)
    app.include_router(contact_forms.router)
    app.include_router(organisations.router)
    app.include_router(roster_upload.router)
    app.include_router(editions.editions_router)
    app.include_router(editor.router)
    app.include_router(users.router)
    app.include_router(account.router)
    app.include_router(settings_page.router)
    app.include_router(media.router)
    app.include_router(assets.router)
    app.add_exception_handler(Forbidden, workspace.forbidden_page)
    # every public POST is read within 64 KiB before any route runs; the webhook, the inbound
    # mail, the roster and image uploads have their own bounds (MAILER_WEBHOOK_MAX_BODY,
    # MAILER_INBOUND_MAX_BODY, MAILER_ROSTER_MAX_UPLOAD, MAILER_MEDIA_MAX_UPLOAD), counted the
    # same way; the editions' forms and uploads are read within EDITION_MAX_BODY (a whole
    # letter) by this middleware
    app.add_middleware(
        BodyLimit,
        limit=PUBLIC_MAX_BODY,
        exempt=(webhook.PATH, inbound.PATH, roster_upload.UPLOAD_PATH, media.UPLOAD_PATH),
        wider=((editions.EDITIONS_PATH + "/", editions.EDITION_MAX_BODY),),
    )
    return app
