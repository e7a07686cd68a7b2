"""Unsubscribe tokens: HMAC-signed random token keys that cannot be forged or enumerated; ids
only as links from before token keys."""

from __future__ import annotations

import pytest

from mailer.core.tokens import (
    InvalidTokenError,
    TokenMaker,
    make_unsubscribe_token,
    read_unsubscribe_token,
)
from mailer.store.tables import new_token_key

SECRET = "token-test-secret"


def test_a_token_reads_back_as_its_key() -> None:
    key = new_token_key()
    assert read_unsubscribe_token(SECRET, make_unsubscribe_token(SECRET, key)) == key


def test_a_link_from_before_token_keys_reads_back_as_the_id() -> None:
    assert read_unsubscribe_token(SECRET, make_unsubscribe_token(SECRET, 42)) == 42


def test_token_keys_are_random_and_url_safe() -> None:
    keys = {new_token_key() for _ in range(1000)}
    assert len(keys) == 1000
    assert all(len(k) == 22 and k.replace("-", "").replace("_", "").isalnum() for k in keys)


def test_the_fast_maker_makes_exactly_the_tokens_of_the_module() -> None:
    tokens = TokenMaker(SECRET)
    assert tokens.fast
    for key in [new_token_key() for _ in range(2000)]:
        assert tokens(key) == make_unsubscribe_token(SECRET, key)


@pytest.mark.parametrize("key", ["k" * 22, "ab" * 11, "a", "Zz09_-"])
def test_a_fast_token_of_any_key_reads_back_even_where_itsdangerous_would_compress(
    key: str,
) -> None:
    assert read_unsubscribe_token(SECRET, TokenMaker(SECRET)(key)) == key


def test_the_maker_falls_back_for_a_key_it_cannot_write_fast() -> None:
    tokens = TokenMaker(SECRET)
    assert tokens('we"ird') == make_unsubscribe_token(SECRET, 'we"ird')


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-5] + ("A" if t[-5] != "A" else "B") + t[-4:],  # signature changed
        lambda t: make_unsubscribe_token("another-install", "k" * 22),  # another key
        lambda t: "43" + t[2:],  # another payload, same signature
        lambda t: t.split(".")[0],  # signature removed
        lambda t: make_unsubscribe_token(SECRET, ["k"]),  # a signed value that is no key
        lambda t: make_unsubscribe_token(SECRET, "has space"),
    ],
)
def test_a_forged_or_altered_token_is_refused(tamper) -> None:  # type: ignore[no-untyped-def]
    token = make_unsubscribe_token(SECRET, "k" * 22)
    with pytest.raises(InvalidTokenError):
        read_unsubscribe_token(SECRET, tamper(token))
