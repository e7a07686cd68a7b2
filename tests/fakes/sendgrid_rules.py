"""The rules of POST /v3/mail/send that SendGrid's schema does not express (fake SendGrid).

Sources: tests/fakes/sendgrid_oai/README.md (rules the spec misses) and SendGrid's "Mail Send
errors" page. `validate_mail_send` is the whole validation the fake runs on every request: the
schema (tests/fakes/sendgrid_schema.py, see its docstring for how it stays fast) then these rules.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.fakes.sendgrid_schema import Rejection, validate_schema

# SendGrid's documented limits (tests/fakes/sendgrid_oai/README.md + "Mail Send errors" page).
MAX_RECIPIENTS = 1000
MAX_CATEGORIES = 10
MAX_CATEGORY_LENGTH = 255
MAX_SEND_AT_AHEAD = 72 * 3600
MAX_MESSAGE_BYTES = 30 * 1024 * 1024
MAX_CUSTOM_ARGS_BYTES = 10_000
MAX_SUBSTITUTIONS_BYTES = 10_000
# Headers a sender may not set (spec text of `headers`, case-insensitive per RFC 5322 field names).
RESERVED_HEADERS = frozenset(
    h.lower()
    for h in (
        "x-sg-id",
        "x-sg-eid",
        "received",
        "dkim-signature",
        "Content-Type",
        "Content-Transfer-Encoding",
        "To",
        "From",
        "Subject",
        "Reply-To",
        "CC",
        "BCC",
    )
)


def _strings_only(mapping: dict[str, Any], field: str, what: str) -> Rejection | None:
    if all(type(value) is str for value in mapping.values()):
        return None
    for key, value in mapping.items():
        if not isinstance(value, str):
            return Rejection(
                400,
                f"Invalid type. Expected: string, given: {type(value).__name__}. "
                f"{what} values must be strings.",
                f"{field}.{key}",
            )
    return None


def _size(mapping: dict[str, str]) -> int:
    """UTF-8 bytes of all keys and values (joined in C: this runs for every personalization)."""
    return len("".join(mapping).encode()) + len("".join(mapping.values()).encode())


def _check_headers(headers: dict[str, Any], field: str) -> Rejection | None:
    for name, value in headers.items():
        if name.lower() in RESERVED_HEADERS:
            return Rejection(
                400, f"The header {name} is reserved and cannot be set.", f"{field}.{name}"
            )
        if not isinstance(value, str):
            return Rejection(400, "Header values must be strings.", f"{field}.{name}")
    return None


def _check_send_at(value: Any, field: str, now: float) -> Rejection | None:
    if isinstance(value, int) and value > now + MAX_SEND_AT_AHEAD:
        return Rejection(400, "A send cannot be scheduled more than 72 hours in advance.", field)
    return None


def check_business_rules(body: dict[str, Any], *, now: float | None = None) -> Rejection | None:
    """Rules of the live API that the schema misses; the first broken one is answered.

    Runs only on schema-valid bodies (so types of declared fields are already right):
    personalizations: at least one; each `to` non-empty; to+cc+bcc <= 1000 in total per request;
    each address (case-insensitive) at most once per request; custom_args (top level and per
    personalization) and substitutions have string values and stay within 10,000 bytes;
    send_at (top level and per personalization) at most 72 h ahead; reserved header names
    refused (top level and per personalization), header values strings; categories <= 10, each
    <= 255 characters and ASCII; content required unless template_id; text/plain must come
    before text/html; a subject at top level, in every personalization, or a template_id;
    reply_to and reply_to_list not both.
    """
    now = time.time() if now is None else now
    personalizations = body["personalizations"]
    if not personalizations:
        return Rejection(400, "You must have at least one personalization.", "personalizations")
    seen: dict[str, str] = {}
    recipients = 0
    for i, pers in enumerate(personalizations):
        here = f"personalizations.{i}"
        bad = _check_addresses(pers, here, seen)
        if bad is not None:
            return bad
        recipients += sum(len(pers.get(kind, ())) for kind in ("to", "cc", "bcc"))
        if recipients > MAX_RECIPIENTS:
            return Rejection(
                400,
                f"There is a limit of {MAX_RECIPIENTS} total recipients (to + cc + bcc) per "
                "request.",
                "personalizations",
            )
        bad = _check_personalization_fields(pers, here, now)
        if bad is not None:
            return bad
    every_has_subject = all("subject" in pers for pers in personalizations)
    return _check_message_level(body, now=now, every_has_subject=every_has_subject)


def _check_addresses(pers: dict[str, Any], here: str, seen: dict[str, str]) -> Rejection | None:
    """A non-empty `to`, and every address once per request (`seen`: address -> where)."""
    if not pers["to"]:
        return Rejection(
            400,
            "The to array is required for all personalization objects, and must have at "
            "least one email object with a valid email address.",
            f"{here}.to",
        )
    for kind in ("to", "cc", "bcc"):
        for j, rcpt in enumerate(pers.get(kind, ())):
            address = rcpt["email"].lower()
            where = f"{here}.{kind}.{j}.email"
            if address in seen:
                return Rejection(
                    400,
                    "Each unique email address in the personalizations array should only "
                    f"be included once. {rcpt['email']} is also at {seen[address]}.",
                    where,
                )
            seen[address] = where
    return None


def _check_personalization_fields(pers: dict[str, Any], here: str, now: float) -> Rejection | None:
    for key, what, limit in (
        ("custom_args", "custom_args", MAX_CUSTOM_ARGS_BYTES),
        ("substitutions", "Substitution", MAX_SUBSTITUTIONS_BYTES),
    ):
        if key in pers:
            bad = _strings_only(pers[key], f"{here}.{key}", what)
            if bad is not None:
                return bad
            if _size(pers[key]) > limit:
                return Rejection(
                    400, f"{key} may not exceed {limit} bytes per personalization.", here
                )
    if "headers" in pers:
        bad = _check_headers(pers["headers"], f"{here}.headers")
        if bad is not None:
            return bad
    if "send_at" in pers:
        return _check_send_at(pers["send_at"], f"{here}.send_at", now)
    return None


def _check_message_level(
    body: dict[str, Any], *, now: float, every_has_subject: bool
) -> Rejection | None:
    checks: tuple[Callable[[], Rejection | None], ...] = (
        lambda: _check_message_extras(body, now),
        lambda: _check_categories(body.get("categories", [])),
        lambda: _check_content(body, every_has_subject),
    )
    for check in checks:
        bad = check()
        if bad is not None:
            return bad
    if "reply_to" in body and "reply_to_list" in body:
        return Rejection(
            400, "The reply_to and reply_to_list fields cannot be used together.", "reply_to_list"
        )
    return None


def _check_message_extras(body: dict[str, Any], now: float) -> Rejection | None:
    if "custom_args" in body and _size(body["custom_args"]) > MAX_CUSTOM_ARGS_BYTES:
        return Rejection(400, "custom_args may not exceed 10,000 bytes.", "custom_args")
    if "headers" in body:
        bad = _check_headers(body["headers"], "headers")
        if bad is not None:
            return bad
    if "send_at" in body:
        return _check_send_at(body["send_at"], "send_at", now)
    return None


def _check_categories(categories: list[str]) -> Rejection | None:
    if len(categories) > MAX_CATEGORIES:
        return Rejection(
            400, "Too many categories. Please limit your categories to 10 or fewer.", "categories"
        )
    for i, category in enumerate(categories):
        if len(category) > MAX_CATEGORY_LENGTH or not category.isascii():
            return Rejection(
                400,
                "A category name must be ASCII and may not exceed 255 characters.",
                f"categories.{i}",
            )
    return None


def _check_content(body: dict[str, Any], every_has_subject: bool) -> Rejection | None:
    has_template = "template_id" in body
    content = body.get("content", [])
    if not content and not has_template:
        return Rejection(
            400,
            "Unless a valid template_id is provided, the content parameter is required.",
            "content",
        )
    types = [part["type"].lower() for part in content]
    if "text/plain" in types and types.index("text/plain") != 0:
        return Rejection(
            400, "If present, text/plain content must be first, followed by text/html.", "content"
        )
    if "subject" not in body and not every_has_subject and not has_template:
        return Rejection(
            400,
            "The subject is required. You can get around this requirement if you use a template "
            "with a subject defined or if every personalization has a subject defined.",
            "subject",
        )
    return None


def validate_mail_send(
    body: Any, *, now: float | None = None, cross_check: bool = False
) -> Rejection | None:
    """Full validation of one parsed mail-send body: schema first, then the business rules."""
    rejection = validate_schema(body, cross_check=cross_check)
    if rejection is not None:
        return rejection
    return check_business_rules(body, now=now)
