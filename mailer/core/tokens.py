"""Unsubscribe and page tokens: the contact's random token key, HMAC-signed with
MAILER_SECRET_KEY (itsdangerous), each kind under its own salt so that one never passes for the
other (the unsubscribe link `/u/`, the contact's own page `/p/`).

A token names exactly one contact and cannot be forged without the key. It signs a random value
set when the contact is created and destroyed when it is erased (contacts.token_key), never the
sequential id: an id can come back (SQLite reuses the highest one after a delete), a token key
never does, so an erased person's old links answer 404 and never act on someone else. Links
sent before token keys existed carry the id; they are read as `int` and honoured only for the
contacts that existed then (contacts.legacy_id_token).
No expiry on purpose: a letter's unsubscribe link must keep working for as long as the letter
sits in someone's mailbox (RFC 8058 gives no lifetime, mailbox providers expect it to work).
"""

from __future__ import annotations

import binascii
import hmac
import re

from itsdangerous import BadSignature, URLSafeSerializer

from mailer.core.errors import MailerError

__all__ = [
    "InvalidTokenError",
    "TokenMaker",
    "TokenRef",
    "make_page_token",
    "make_unsubscribe_token",
    "read_page_token",
    "read_unsubscribe_token",
]

_SALT = "vipu-mailer.unsubscribe.v1"
PAGE_SALT = "vipu-mailer.contact-page.v1"
_KEY_CHARS = re.compile(r"[A-Za-z0-9_-]{1,64}")

# What a token names: a contact's token key (random, made by the store:
# store/tables/register.py), or (links from before token keys) its id.
TokenRef = str | int


class InvalidTokenError(MailerError, ValueError):
    """A token that was not made with our key (forged, truncated or from another install)."""


def _serializer(secret: str, salt: str = _SALT) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=salt)


def make_unsubscribe_token(secret: str, key: TokenRef) -> str:
    return _serializer(secret).dumps(key)


def make_page_token(secret: str, key: str) -> str:
    """The link to the contact's own page: the same token key as the unsubscribe link (so it
    dies with the erased row), another salt. No expiry, like the unsubscribe link: a letter in
    someone's mailbox keeps its links; what the page grants that is new (an address change, a
    successor) goes through expiring confirmation links of its own."""
    return _serializer(secret, PAGE_SALT).dumps(key)


def read_page_token(secret: str, token: str) -> str:
    """The token key a page token signs; InvalidTokenError for anything else (an unsubscribe
    token included)."""
    try:
        value = _serializer(secret, PAGE_SALT).loads(token)
    except BadSignature as err:
        raise InvalidTokenError("page token is not valid") from err
    if isinstance(value, str) and _KEY_CHARS.fullmatch(value):
        return value
    raise InvalidTokenError("page token does not name a contact")


def read_unsubscribe_token(secret: str, token: str) -> TokenRef:
    """The token key (str) or, for a link sent before token keys, the contact id (int)."""
    try:
        value = _serializer(secret).loads(token)
    except BadSignature as err:
        raise InvalidTokenError("unsubscribe token is not valid") from err
    if isinstance(value, str) and _KEY_CHARS.fullmatch(value):
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidTokenError("unsubscribe token does not name a contact")
    return value


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> bytes:
    """base64url without padding, as itsdangerous writes it."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=")


class TokenMaker:
    """`make_unsubscribe_token` (or, with `salt=PAGE_SALT`, `make_page_token`), fast.
    itsdangerous re-derives the HMAC key and runs JSON, zlib and
    base64 on every call (~60 us); for a million letters we derive the key once and sign the
    JSON of the key directly (~2 us). At start the fast path is compared with the real function
    and not used on any difference (e.g. a changed itsdangerous format)."""

    def __init__(self, secret: str, salt: str = _SALT) -> None:
        self.secret = secret
        self.salt = salt
        signer = _serializer(secret, salt).make_signer()
        self._key = signer.derive_key()
        # hashlib's name ("sha1") lets hmac.digest take OpenSSL's one-shot C path
        self._digest = signer.algorithm.digest_method().name  # type: ignore[attr-defined]
        self._sep = signer.sep
        samples = ("x4Qm-1Zb_r0pLk7Yv9Wc2A", "0Tq8_nWcRk3-yHs1ZbLe7g")
        self.fast = all(self._fast(k) == self._slow(k) for k in samples)

    def _slow(self, key: str) -> str:
        return _serializer(self.secret, self.salt).dumps(key)

    def _fast(self, key: str) -> str:
        # The JSON of a URL-safe key is the key in double quotes (nothing to escape). itsdangerous
        # would zlib-compress a payload that compression shortens (a repetitive key, never a
        # random one); this one stays plain, which `read_unsubscribe_token` reads just the same.
        payload = _b64(b'"' + key.encode() + b'"')
        signature = _b64(hmac.digest(self._key, payload, self._digest))
        return (payload + self._sep + signature).decode()

    def __call__(self, key: str) -> str:
        if self.fast and _KEY_CHARS.fullmatch(key):
            return self._fast(key)
        return self._slow(key)
