"""Unsubscribe tokens: the contact id, HMAC-signed with MAILER_SECRET_KEY (itsdangerous).

A token names exactly one contact and cannot be forged without the key; ids are not guessable
from it in a useful way because a changed id breaks the signature (no enumeration).
No expiry on purpose: a letter's unsubscribe link must keep working for as long as the letter
sits in someone's mailbox (RFC 8058 gives no lifetime, mailbox providers expect it to work).
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from mailer.errors import MailerError

__all__ = ["InvalidTokenError", "make_unsubscribe_token", "read_unsubscribe_token"]

_SALT = "vipu-mailer.unsubscribe.v1"


class InvalidTokenError(MailerError, ValueError):
    """A token that was not made with our key (forged, truncated or from another install)."""


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def make_unsubscribe_token(secret: str, contact_id: int) -> str:
    return _serializer(secret).dumps(contact_id)


def read_unsubscribe_token(secret: str, token: str) -> int:
    try:
        value = _serializer(secret).loads(token)
    except BadSignature as err:
        raise InvalidTokenError("unsubscribe token is not valid") from err
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidTokenError("unsubscribe token does not name a contact")
    return value
