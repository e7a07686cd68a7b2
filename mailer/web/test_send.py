"""The test send of an edition: up to ten addresses, any of the ten variants, before approval,
through the configured provider, outside the ledger (`pipeline.send.test_send`, which the CLI's
`--test-to` uses too)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mailer.core.accounts import Permission
from mailer.core.delivery.test_addresses import MAX_TEST_ADDRESSES, parse_test_addresses
from mailer.core.edition.letter import all_variants
from mailer.core.errors import AddressError, MailerError
from mailer.core.models import Variant
from mailer.pipeline.send.test_send import send_test
from mailer.web.review_common import edition_pages, existing_revision
from mailer.web.sessions import Visitor, check_csrf, require_permission
from mailer.web.shell import ctx_of, signed_in_page, strings

__all__ = ["router"]

router = APIRouter()

Tester = Annotated[Visitor, Depends(require_permission(Permission.TEST_SEND))]
_SEPARATORS = re.compile(r"[,;\s]+")


def _page(
    request: Request,
    who: Visitor,
    month: str,
    *,
    status: int = 200,
    addresses: str | None = None,
    chosen: list[str] | None = None,
    errors: dict[str, str] | None = None,
    sent: tuple[int, int] | None = None,
) -> Response:
    existing_revision(request, month)
    account = who.account
    assert account is not None
    return signed_in_page(
        request,
        who,
        "review_test_send.html",
        status=status,
        nav="",
        month=month,
        edition_nav=edition_pages(who, month),
        current="test_send",
        variants=all_variants(),
        addresses=account.email if addresses is None else addresses,
        chosen=chosen or [],
        errors=errors or {},
        sent=sent,
        provider=ctx_of(request).settings.provider,
        max_addresses=MAX_TEST_ADDRESSES,
    )


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 4 else 0


@router.get("/editions/{month}/test-send", response_class=HTMLResponse)
def test_send_page(
    request: Request,
    month: str,
    who: Tester,
    sent: str | None = None,
    failed: str | None = None,
) -> Response:
    outcome = (_count(sent), _count(failed)) if sent is not None else None
    return _page(request, who, month, sent=outcome)


def _address_errors(text: str, t: dict[str, str]) -> tuple[list[str], str | None]:
    """The addresses, or the message naming every bad one (or the count over the limit)."""
    bad = []
    for candidate in (c for c in _SEPARATORS.split(text.strip()) if c):
        try:
            parse_test_addresses([candidate], option="addresses")
        except AddressError:
            bad.append(candidate)
    if bad:
        return [], t["review_error_bad_addresses"].format(addresses=", ".join(bad))
    try:
        return parse_test_addresses([text], option="addresses"), None
    except AddressError as err:
        if not err.value:
            return [], t["review_error_no_addresses"]
        count = len(err.value.split(", "))
        return [], t["review_error_too_many"].format(limit=MAX_TEST_ADDRESSES, count=count)


def _variants(keys: list[str]) -> list[Variant]:
    known = {v.key: v for v in all_variants()}
    return [known[k] for k in dict.fromkeys(keys) if k in known]


@router.post("/editions/{month}/test-send", dependencies=[Depends(check_csrf)])
def test_send(
    request: Request,
    month: str,
    who: Tester,
    addresses: Annotated[str, Form(max_length=4000)] = "",
    variant: Annotated[list[str] | None, Form()] = None,
) -> Response:
    ctx = ctx_of(request)
    existing_revision(request, month)
    account = who.account
    assert account is not None
    t = strings(ctx.settings, account.ui_language)
    keys = variant or []
    to, address_error = _address_errors(addresses, t)
    chosen = _variants(keys)
    errors = {"addresses": address_error} if address_error else {}
    if not chosen:
        errors["variants"] = t["review_error_no_variants"]
    if errors:
        return _page(
            request, who, month, status=400, addresses=addresses, chosen=keys, errors=errors
        )
    try:
        outcomes = send_test(ctx, month, to, variants=chosen, actor=account.email)
    except MailerError as err:
        errors = {"form": t["review_error_send"].format(problem=str(err))}
        return _page(
            request, who, month, status=502, addresses=addresses, chosen=keys, errors=errors
        )
    failed = sum(1 for o in outcomes if not o.accepted)
    url = f"/editions/{month}/test-send?sent={len(outcomes) - failed}&failed={failed}"
    return RedirectResponse(url, status_code=303)
