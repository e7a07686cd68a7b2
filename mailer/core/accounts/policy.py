"""The password policy (NIST SP 800-63B section 5.1.1.2): a minimum length and no composition
rules; Unicode normalised (NFKC) so the same password typed on another keyboard still matches."""

from __future__ import annotations

import unicodedata

from mailer.core.accounts.roles import AccountError, AccountProblem

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "check_password", "normalise_password"]

MIN_PASSWORD_LENGTH = 12
# Long enough for any passphrase or manager; bounded so nobody posts megabytes to be hashed.
MAX_PASSWORD_LENGTH = 1024


def normalise_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def check_password(password: str, *, email: str = "") -> str:
    """The normalised password, or AccountError("password", why) when the policy refuses it."""
    normalised = normalise_password(password)
    if len(normalised) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "password",
            f"use at least {MIN_PASSWORD_LENGTH} characters",
            AccountProblem.PASSWORD_TOO_SHORT,
        )
    if len(normalised) > MAX_PASSWORD_LENGTH:
        raise AccountError(
            "password",
            f"use at most {MAX_PASSWORD_LENGTH} characters",
            AccountProblem.PASSWORD_TOO_LONG,
        )
    if not normalised.strip():
        raise AccountError(
            "password", "a password of only spaces is not accepted", AccountProblem.PASSWORD_BLANK
        )
    if email and normalised.casefold() == email.casefold():
        raise AccountError(
            "password",
            "the password must not be the email address",
            AccountProblem.PASSWORD_IS_EMAIL,
        )
    return normalised
