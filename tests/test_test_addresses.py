"""The addresses of a test send: validated, several, at most ten."""

from __future__ import annotations

import pytest

from mailer.core.delivery.test_addresses import MAX_TEST_ADDRESSES, parse_test_addresses
from mailer.core.errors import AddressError


def test_commas_and_repeats_give_several_addresses_once_each_in_order() -> None:
    found = parse_test_addresses(
        ["kaisa@koulu.example, pekka@koulu.example", "Anna@Koulu.Example", "KAISA@koulu.example"]
    )
    assert found == ["kaisa@koulu.example", "pekka@koulu.example", "Anna@koulu.example"]


def test_an_address_without_an_at_sign_is_named() -> None:
    with pytest.raises(AddressError) as caught:
        parse_test_addresses(["kaisa"])
    assert caught.value.option == "--test-to"
    assert caught.value.value == "kaisa"
    assert str(caught.value) == "--test-to 'kaisa': An email address must have an @-sign."


def test_more_than_ten_addresses_are_refused() -> None:
    values = [f"p{i}@koulu.example" for i in range(MAX_TEST_ADDRESSES + 1)]
    with pytest.raises(AddressError, match="at most 10 addresses"):
        parse_test_addresses(values)
    assert len(parse_test_addresses(values[:MAX_TEST_ADDRESSES])) == MAX_TEST_ADDRESSES


def test_nothing_but_separators_is_refused() -> None:
    with pytest.raises(AddressError, match="at least one address"):
        parse_test_addresses([" , "])
