"""Whose page a token is, and the rate limit every form of the public pages passes first."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from mailer.core.models import ContactStatus, Language, Role
from mailer.core.tokens import InvalidTokenError, read_page_token
from mailer.pipeline import throttle
from mailer.pipeline.context import Context
from mailer.store.contact_page import by_token_key

__all__ = ["PageOwner", "owner_of_key", "page_owner", "post_refused"]

# Every POST of the public contact pages counts, before anything else is looked at: per client
# address (someone trying tokens) and per link (someone hammering one page). A person makes a
# handful of changes; these bounds only stop machines. Shared by every serve process (the
# database holds the counters, as for logins).
PER_CLIENT = throttle.ThrottlePolicy(max_failures=31, window=timedelta(minutes=15))
PER_LINK = throttle.ThrottlePolicy(max_failures=11, window=timedelta(minutes=15))


class PageOwner(NamedTuple):
    id: int
    token_key: str
    email: str
    first_name: str
    last_name: str
    organisation: str
    title: str | None
    role: Role
    language: Language
    status: ContactStatus
    region: str
    org_type: str
    municipality: str | None


def owner_of_key(ctx: Context, key: str) -> PageOwner | None:
    with ctx.engine.connect() as conn:
        row = by_token_key(conn, key)
    if row is None:
        return None
    return PageOwner(
        id=int(row["id"]),
        token_key=str(row["token_key"]),
        email=str(row["email"]),
        first_name=str(row["first_name"]),
        last_name=str(row["last_name"]),
        organisation=str(row["organisation"]),
        title=row["title"],
        role=Role(row["role"]),
        language=Language.SV if row["language"] == Language.SV.value else Language.FI,
        status=ContactStatus(row["status"]),
        region=str(row["region"]),
        org_type=str(row["org_type"]),
        municipality=row["municipality"],
    )


def page_owner(ctx: Context, token: str) -> PageOwner | None:
    """The contact whose page this is; None for a forged or foreign token and for an erased
    contact alike (the page answers the same 404 for both)."""
    try:
        key = read_page_token(ctx.settings.secret_key.get_secret_value(), token)
    except InvalidTokenError:
        return None
    return owner_of_key(ctx, key)


def post_refused(ctx: Context, client: str, link: str) -> int | None:
    """Count this POST; the seconds to wait (Retry-After) when the client or the link has posted
    too often, else None."""
    by_client = throttle.check_and_record_failure(ctx, "contact-page-client", client, PER_CLIENT)
    by_link = throttle.check_and_record_failure(ctx, "contact-page-link", link, PER_LINK)
    waits = [v.retry_after for v in (by_client, by_link) if not v.allowed]
    return max(waits) if waits else None
