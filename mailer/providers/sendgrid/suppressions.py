"""SendGrid's suppression lists, paged, as provider-neutral `DeliveryEvent`s.

`mailer bounces sync` reads GET /v3/suppression/<list> (`limit`/`offset` until a short page) for
the bounces, blocks, invalid emails and spam reports lists. Each entry becomes the webhook event
it stands for, with a stable id (`sync:<list>:<address>:<created>`), so a re-run stores nothing
twice; the entry itself is kept in the event's raw payload.
"""

from __future__ import annotations

import hashlib
import http.client
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from mailer.config import Settings
from mailer.core.errors import PermanentProviderError
from mailer.core.models import DeliveryEvent
from mailer.providers.sendgrid.client import make_client
from mailer.providers.sendgrid.errors import HTTPError, error_from_http, error_from_transport
from mailer.providers.sendgrid.events import normalise_event

__all__ = ["SuppressionList", "SuppressionLists", "SuppressionPage", "suppression_event"]


class SuppressionList(StrEnum):
    """The suppression lists a sync reads (the value is the list's name in SendGrid's URL)."""

    BOUNCES = "bounces"
    BLOCKS = "blocks"
    INVALID_EMAILS = "invalid_emails"
    SPAM_REPORTS = "spam_reports"


class SuppressionPage(NamedTuple):
    entries: int  # entries SendGrid listed on this page
    events: list[DeliveryEvent]  # one per entry, in the order listed


def suppression_event(name: SuppressionList, entry: dict[str, Any]) -> dict[str, Any]:
    """A suppression-list entry in the shape of the webhook event it stands for."""
    email = str(entry.get("email", ""))
    created = entry.get("created")
    event: dict[str, Any] = {
        "email": email,
        "timestamp": created,
        "suppression_list": name.value,
        "entry": entry,  # as SendGrid listed it
    }
    if name is SuppressionList.BOUNCES:
        status = str(entry.get("status") or "")
        # on the bounces list SendGrid drops every later send: hard unless the status says 4.x.x
        event |= {"event": "bounce", "type": "blocked" if status.startswith("4") else "bounce"}
    elif name is SuppressionList.BLOCKS:
        event |= {"event": "bounce", "type": "blocked"}
    elif name is SuppressionList.INVALID_EMAILS:
        event |= {"event": "dropped", "reason": "Invalid"}
    else:
        event |= {"event": "spamreport"}
    for key in ("reason", "status"):
        if entry.get(key) and key not in event:
            event[key] = entry[key]
    event_id = f"sync:{name.value}:{email.strip().lower()}:{created}"
    if len(event_id) > 100:
        event_id = "sync:" + hashlib.sha256(event_id.encode("utf-8")).hexdigest()
    event["sg_event_id"] = event_id
    return event


class SuppressionLists:
    """Pages of SendGrid's suppression lists over the package's one client
    (`client`: a `sendgrid.SendGridAPIClient`, built from the settings when None)."""

    def __init__(self, settings: Settings, *, client: Any = None) -> None:
        self._client = (
            client
            if client is not None
            else make_client(settings, needed_for="for `mailer bounces sync`")
        )

    def pages(
        self, name: SuppressionList | str, *, page_size: int, clock: Callable[[], datetime]
    ) -> Iterator[SuppressionPage]:
        """Every page of list `name`, fetched as the caller asks for it (so a caller that stores
        each page before asking for the next never holds more than one); `clock` dates them."""
        try:
            which = SuppressionList(name)
        except ValueError:
            known = ", ".join(SuppressionList)
            raise ValueError(f"unknown suppression list {name!r}; one of {known}") from None
        offset = 0
        while True:
            entries = self._get_page(which, page_size, offset)
            received_at = clock()
            yield SuppressionPage(
                entries=len(entries),
                events=[
                    normalise_event(suppression_event(which, entry), received_at=received_at)
                    for entry in entries
                ],
            )
            if len(entries) < page_size:
                return
            offset += page_size

    def _get_page(self, name: SuppressionList, limit: int, offset: int) -> list[dict[str, Any]]:
        what = f"GET /v3/suppression/{name.value} offset {offset}"
        endpoint = self._client.client.suppression._(name.value)
        try:
            response = endpoint.get(query_params={"limit": limit, "offset": offset})
        except HTTPError as err:
            raise error_from_http(
                err, request=what, key_needs="read access to the suppression lists"
            ) from err
        except (OSError, http.client.HTTPException) as err:
            raise error_from_transport(err, request=what, idempotent=True) from err
        try:
            page = json.loads(response.body or b"[]")
        except json.JSONDecodeError as err:
            raise PermanentProviderError(f"{what}: answer is not JSON") from err
        if not isinstance(page, list) or not all(isinstance(e, dict) for e in page):
            raise PermanentProviderError(f"{what}: answer is not a JSON array of objects")
        return page
