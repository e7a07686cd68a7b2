"""PURE: the four-eyes rule of approvals. The person who saved a revision may not approve it,
unless the installation allows one person (MAILER_APPROVAL_SINGLE_PERSON, recorded as such)."""

from __future__ import annotations

from collections.abc import Iterable

from mailer.core.errors import MailerError

__all__ = ["FourEyesError", "same_person"]


class FourEyesError(MailerError, PermissionError):
    """The approver saved the revision being approved; `author` and `revision` say which."""

    def __init__(self, month: str, revision: int, author: str) -> None:
        self.month = month
        self.revision = revision
        self.author = author
        super().__init__(
            f"{month}: revision {revision} was saved by {author}; a second person must approve "
            "it (four-eyes; MAILER_APPROVAL_SINGLE_PERSON=true allows one person)"
        )


def same_person(author: str, identities: Iterable[str]) -> bool:
    """Whether a revision's recorded author is one of the approver's names (the account's
    email and display name, or the CLI's --by), ignoring case and surrounding space."""
    who = author.strip().casefold()
    return bool(who) and any(who == name.strip().casefold() for name in identities)
