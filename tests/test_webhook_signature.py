"""The Signed Event Webhook: ECDSA P-256 / SHA-256 over timestamp + raw body."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sendgrid.helpers.eventwebhook import EventWebhook

from mailer.core.errors import WebhookSignatureError
from mailer.providers.sendgrid.signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    generate_key_pair,
    load_public_key,
    sign_payload,
    signed_headers,
    verify_signature,
)
from tests.fakes.webhook_client import PRIVATE_KEY, PUBLIC_KEY

BODY = b'[{"email":"anna.virtanen@espoo.example","event":"delivered","timestamp":1781000000}]'
NOW = 1_781_000_000.0
STAMP = str(int(NOW))


def _verify(body: bytes = BODY, signature: str | None = None, stamp: str = STAMP, **kw: object):
    signature = sign_payload(PRIVATE_KEY, body, stamp) if signature is None else signature
    options = {"now": NOW, "max_age": 600} | kw
    verify_signature(PUBLIC_KEY, body, signature, stamp, **options)  # type: ignore[arg-type]


def test_a_signature_made_with_the_key_pair_verifies() -> None:
    _verify()


def test_our_signature_verifies_with_the_sendgrid_packages_own_helper() -> None:
    # interoperability: the official helper reads the same key and signature formats
    helper = EventWebhook(PUBLIC_KEY)
    signature = sign_payload(PRIVATE_KEY, BODY, STAMP)
    assert helper.verify_signature(BODY.decode(), signature, STAMP) is True
    assert helper.verify_signature(BODY.decode() + " ", signature, STAMP) is False


def test_signed_headers_carry_both_sendgrid_headers() -> None:
    headers = signed_headers(PRIVATE_KEY, BODY, now=NOW)
    assert headers[TIMESTAMP_HEADER] == STAMP
    verify_signature(PUBLIC_KEY, BODY, headers[SIGNATURE_HEADER], STAMP, now=NOW, max_age=60)


@pytest.mark.parametrize(
    ("case", "kwargs", "message"),
    [
        ("changed body", {"body": BODY.replace(b"delivered", b"bounce")}, "does not match"),
        ("other timestamp", {"stamp": str(int(NOW) - 1)}, "does not match"),
        ("empty signature", {"signature": ""}, "missing"),
        ("empty timestamp", {"stamp": ""}, "missing"),
        ("not base64", {"signature": "%%%not-base64%%%"}, "not base64"),
        ("garbage signature", {"signature": base64.b64encode(b"x" * 70).decode()}, "not match"),
        ("non-numeric timestamp", {"stamp": "yesterday"}, "unix seconds"),
        ("stale timestamp", {"now": NOW + 601}, "old"),
        ("future timestamp", {"now": NOW - 601}, "future"),
    ],
)
def test_a_bad_signature_or_timestamp_is_refused(case: str, kwargs: dict, message: str) -> None:
    body = kwargs.pop("body", BODY)
    signature = kwargs.pop("signature", sign_payload(PRIVATE_KEY, BODY, STAMP))
    stamp = kwargs.pop("stamp", STAMP)
    with pytest.raises(WebhookSignatureError, match=message):
        _verify(body, signature, stamp, **kwargs)


def test_a_signature_from_another_key_is_refused() -> None:
    other, _ = generate_key_pair()
    with pytest.raises(WebhookSignatureError, match="does not match"):
        _verify(signature=sign_payload(other, BODY, STAMP))


def test_the_replay_window_edge_is_inclusive() -> None:
    _verify(now=NOW + 600)
    _verify(now=NOW - 600)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("not base64 at all!", "base64"),
        (base64.b64encode(b"not der").decode(), "DER"),
        (
            base64.b64encode(
                ec.generate_private_key(ec.SECP384R1())
                .public_key()
                .public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            ).decode(),
            "P-256",
        ),
    ],
)
def test_an_unusable_public_key_is_named(key: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_public_key(key)
    with pytest.raises(WebhookSignatureError, match="public key unusable"):
        verify_signature(
            key, BODY, sign_payload(PRIVATE_KEY, BODY, STAMP), STAMP, now=NOW, max_age=9
        )
