"""Mail to the unsubscribe address: unsubscribe on a valid token, keep everything else for a
coordinator. Every message is recorded in one transaction with what it caused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError

from mailer.core.errors import StorageError
from mailer.core.inbound import InboundMail, InboundOutcome, find_token
from mailer.pipeline.context import Context
from mailer.pipeline.unsubscribe import link_owner, unsubscribe
from mailer.store import inbound as store

__all__ = ["SOURCE_MAIL", "handle_mail", "handle_unreadable", "mark_handled", "open_messages"]

SOURCE_MAIL = "mail"


@contextmanager
def _storage() -> Iterator[None]:
    # the web layer answers 503 on StorageError (Inbound Parse retries); the class name only,
    # since a driver's message can carry the addresses being written
    try:
        yield
    except SQLAlchemyError as err:
        raise StorageError(f"recording inbound mail failed ({type(err).__name__})") from err


def handle_mail(ctx: Context, mail: InboundMail) -> InboundOutcome:
    """Unsubscribe the contact whose token the subject carries; otherwise keep the message."""
    with _storage():
        return _handle(ctx, mail)


def _handle(ctx: Context, mail: InboundMail) -> InboundOutcome:
    token = find_token(mail.subject)
    owner = link_owner(ctx, token) if token else None
    if owner is None:
        reason = "no unsubscribe token in the subject" if token is None else "token not valid"
        with ctx.engine.begin() as conn:
            store.record_message(
                conn, mail, outcome=InboundOutcome.KEPT, at=ctx.now(), reason=reason
            )
        return InboundOutcome.KEPT
    changed = unsubscribe(ctx, owner.contact_id, source=SOURCE_MAIL)
    outcome = InboundOutcome.UNSUBSCRIBED if changed else InboundOutcome.ALREADY
    with ctx.engine.begin() as conn:
        store.record_message(conn, mail, outcome=outcome, at=ctx.now(), contact_id=owner.contact_id)
    return outcome


def handle_unreadable(ctx: Context, reason: str) -> None:
    """A post whose form could not be read is still recorded, so nothing is silently lost."""
    empty = InboundMail(sender="", envelope_from="", recipient="", subject="", text="")
    with _storage(), ctx.engine.begin() as conn:
        store.record_message(conn, empty, outcome=InboundOutcome.KEPT, at=ctx.now(), reason=reason)


def open_messages(
    ctx: Context, *, include_handled: bool = False, limit: int = 200
) -> list[store.InboundRecord]:
    with ctx.engine.connect() as conn:
        return store.list_messages(conn, open_only=not include_handled, limit=limit)


def mark_handled(ctx: Context, message_id: int, *, by: str, note: str) -> bool:
    with ctx.engine.begin() as conn:
        return store.mark_handled(conn, message_id, at=ctx.now(), by=by, note=note)
