"""PURE: the addresses of a test send (`mailer send YYYY-MM --test-to ...`).

A test send goes outside the ledger to people who check the letter before it goes out: a few
coordinators, never a list. Each address is validated with email-validator (syntax only: no DNS
lookup in the core), so `--test-to kaisa` is refused instead of "sending" ten letters to nowhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email

from mailer.core.errors import AddressError

__all__ = ["MAX_TEST_ADDRESSES", "parse_test_addresses"]

MAX_TEST_ADDRESSES = 10
_SEPARATORS = re.compile(r"[,;\s]+")


def parse_test_addresses(values: Iterable[str], option: str = "--test-to") -> list[str]:
    """The addresses given (each value may hold several, comma-separated), normalised, without
    duplicates, in order; AddressError names the first bad one."""
    found: dict[str, str] = {}
    for value in values:
        for candidate in _SEPARATORS.split(value.strip()):
            if not candidate:
                continue
            try:
                address = validate_email(candidate, check_deliverability=False).normalized
            except EmailNotValidError as err:
                raise AddressError(option, candidate, str(err)) from err
            found.setdefault(address.lower(), address)
    if not found:
        raise AddressError(option, "", "give at least one address")
    if len(found) > MAX_TEST_ADDRESSES:
        raise AddressError(
            option,
            ", ".join(found.values()),
            f"at most {MAX_TEST_ADDRESSES} addresses (got {len(found)}); a test send is for "
            "checking the letter, not for sending it",
        )
    return list(found.values())
