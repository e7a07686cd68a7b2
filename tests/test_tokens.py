"""Unsubscribe tokens: HMAC-signed contact ids that cannot be forged or enumerated."""

from __future__ import annotations

import pytest

from mailer.core.tokens import (
    InvalidTokenError,
    TokenMaker,
    make_unsubscribe_token,
    read_unsubscribe_token,
)

SECRET = "token-test-secret"


def test_a_token_reads_back_as_its_contact() -> None:
    assert read_unsubscribe_token(SECRET, make_unsubscribe_token(SECRET, 42)) == 42


def test_the_fast_maker_makes_exactly_the_tokens_of_the_module() -> None:
    tokens = TokenMaker(SECRET)
    assert tokens.fast
    for contact_id in [*range(200), 10**6, 2**31 - 1, 2**40]:
        assert tokens(contact_id) == make_unsubscribe_token(SECRET, contact_id)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: make_unsubscribe_token("another-install", 42),  # another key
        lambda t: "43" + t[2:],  # another contact id, same signature
        lambda t: t.split(".")[0],  # signature removed
    ],
)
def test_a_forged_or_altered_token_is_refused(tamper) -> None:  # type: ignore[no-untyped-def]
    token = make_unsubscribe_token(SECRET, 42)
    with pytest.raises(InvalidTokenError):
        read_unsubscribe_token(SECRET, tamper(token))
