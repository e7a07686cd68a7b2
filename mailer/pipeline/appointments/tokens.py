"""The two appointment links, signed with MAILER_SECRET_KEY, each with its own purpose (salt)
and an end: the request link (to an organisation's registry address; it grants appointing
someone, so it ends with its request row's `expires_at`) and the confirmation link (to the
appointee's own address; it proves they read it, and carries its own end).

The ends are checked against the context's clock, not the signer's, so one clock rules the
whole application (and the tests can move it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from mailer.config import Settings
from mailer.core.tokens import InvalidTokenError

__all__ = [
    "CONFIRM_LIFETIME",
    "make_confirm_token",
    "make_request_token",
    "read_confirm_token",
    "read_request_token",
]

_REQUEST_SALT = "vipu-mailer.appointment-request.v1"
_CONFIRM_SALT = "vipu-mailer.appointment-confirm.v1"
# An appointee has two weeks to open the link sent to them; after that the organisation's link
# (while it lasts) can appoint them again.
CONFIRM_LIFETIME = timedelta(days=14)


def _serializer(settings: Settings, salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key.get_secret_value(), salt=salt)


def make_request_token(settings: Settings, request_id: str) -> str:
    return _serializer(settings, _REQUEST_SALT).dumps(request_id)


def read_request_token(settings: Settings, token: str) -> str:
    """The request id; its row's `expires_at` decides whether it still grants anything."""
    try:
        value = _serializer(settings, _REQUEST_SALT).loads(token)
    except BadSignature as err:
        raise InvalidTokenError("appointment link is not valid") from err
    if not isinstance(value, str):
        raise InvalidTokenError("appointment link is not valid")
    return value


def make_confirm_token(settings: Settings, confirm_key: str, *, now: datetime) -> str:
    until = int((now + CONFIRM_LIFETIME).timestamp())
    return _serializer(settings, _CONFIRM_SALT).dumps([confirm_key, until])


def read_confirm_token(settings: Settings, token: str, *, now: datetime) -> str:
    """The appointee's confirm key, if the link is ours and has not ended."""
    try:
        value = _serializer(settings, _CONFIRM_SALT).loads(token)
    except BadSignature as err:
        raise InvalidTokenError("confirmation link is not valid") from err
    match value:
        case [str(key), int(until)] if datetime.fromtimestamp(until, UTC) > now:
            return key
    raise InvalidTokenError("confirmation link is not valid or has ended")
