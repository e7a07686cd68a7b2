"""The unsubscribe link's two steps, as the web layer needs them: find whose link it is, and
unsubscribe them. Each runs in its own transaction here, so the web layer never touches the
database itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from sqlalchemy.exc import SQLAlchemyError

from mailer.core.errors import StorageError
from mailer.core.models import ContactStatus, Language
from mailer.core.tokens import InvalidTokenError, read_unsubscribe_token
from mailer.pipeline.context import Context
from mailer.store.contacts import change_status, unsubscribe_target

__all__ = ["LinkOwner", "link_owner", "unsubscribe"]


class LinkOwner(NamedTuple):
    """Whose unsubscribe link this is: what the confirmation page shows, nothing more."""

    contact_id: int
    email: str
    language: Language
    unsubscribed: bool


@contextmanager
def _storage() -> Iterator[None]:
    """A database failure (locked, gone) as StorageError, which the page answers with 503 and
    Retry-After: the person (or their mail client) can try again; the class only, since a
    driver's message can carry SQL parameters."""
    try:
        yield
    except SQLAlchemyError as err:
        raise StorageError(f"unsubscribe storage failed ({type(err).__name__})") from err


def link_owner(ctx: Context, token: str) -> LinkOwner | None:
    """The contact a token names; None for a forged or foreign token and for a contact no longer
    in the register (the caller shows the same 404 for both, so nothing tells which)."""
    try:
        ref = read_unsubscribe_token(ctx.settings.secret_key.get_secret_value(), token)
    except InvalidTokenError:
        return None
    with _storage(), ctx.engine.connect() as conn:
        row = unsubscribe_target(conn, ref)
    if row is None:
        return None
    return LinkOwner(
        contact_id=row.id,
        email=row.email,
        language=Language.SV if row.language == Language.SV.value else Language.FI,
        unsubscribed=row.status == ContactStatus.UNSUBSCRIBED.value,
    )


def unsubscribe(ctx: Context, contact_id: int, *, source: str) -> bool:
    """Mark the contact unsubscribed, with time and source in its history; False when it already
    was (idempotent: a repeated POST writes nothing)."""
    with _storage(), ctx.engine.begin() as conn:
        return change_status(
            conn,
            contact_id,
            ContactStatus.UNSUBSCRIBED,
            at=ctx.now(),
            kind="unsubscribed",
            source=source,
            reason=f"unsubscribed through the letter's link ({source})",
        )
