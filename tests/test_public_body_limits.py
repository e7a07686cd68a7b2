"""Every public POST counts the bytes of its body as they arrive: a chunked body without
Content-Length above the route's bound answers 413 (64 KiB for the unsubscribe page; the webhook
has MAILER_WEBHOOK_MAX_BODY), and nothing is changed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from mailer.core.models import ContactStatus
from mailer.pipeline import Context
from mailer.web.app import create_app
from mailer.web.unsubscribe import MAX_BODY
from tests.asgi_client import AsgiClient
from tests.reports_data import add_contact, history_rows, status_of
from tests.test_unsubscribe import _token


@pytest.fixture
def client(ctx: Context) -> Iterator[AsgiClient]:
    test_client = AsgiClient(create_app(ctx.settings, ctx))
    yield test_client
    test_client.close()


def _contact(ctx: Context) -> int:
    with ctx.engine.begin() as conn:
        return add_contact(conn, "aino.body@espoo.example")


def _chunked(*parts: bytes) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    return chunks()


def test_a_chunked_unsubscribe_post_over_64_kib_is_413_and_unsubscribes_nobody(
    ctx: Context, client: AsgiClient
) -> None:
    contact = _contact(ctx)
    chunk = b"x" * 16 * 1024
    body = _chunked(*([chunk] * (MAX_BODY // len(chunk) + 1)))  # no Content-Length: chunked
    response = client.post(f"/u/{_token(ctx, contact)}", content=body)
    assert response.status_code == 413
    assert status_of(ctx.engine, contact) == ContactStatus.ACTIVE


def test_a_declared_length_over_the_bound_is_refused_before_reading(
    ctx: Context, client: AsgiClient
) -> None:
    contact = _contact(ctx)
    response = client.post(f"/u/{_token(ctx, contact)}", content=b"y" * (MAX_BODY + 1))
    assert response.status_code == 413
    assert status_of(ctx.engine, contact) == ContactStatus.ACTIVE


def test_a_chunked_one_click_post_within_the_bound_still_works(
    ctx: Context, client: AsgiClient
) -> None:
    contact = _contact(ctx)
    response = client.post(
        f"/u/{_token(ctx, contact)}",
        content=_chunked(b"List-Unsubscribe=", b"One-Click"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert status_of(ctx.engine, contact) == ContactStatus.UNSUBSCRIBED
    assert [r["source"] for r in history_rows(ctx.engine, contact)] == ["one-click"]


def test_a_multipart_one_click_is_parsed_from_the_bounded_body(
    ctx: Context, client: AsgiClient
) -> None:
    contact = _contact(ctx)
    response = client.post(
        f"/u/{_token(ctx, contact)}", files={"List-Unsubscribe": (None, "One-Click")}
    )
    assert response.status_code == 200
    assert [r["source"] for r in history_rows(ctx.engine, contact)] == ["one-click"]


@pytest.mark.parametrize("path", ["/login", "/logout", "/u/anything", "/no-such-route"])
def test_every_public_post_is_bounded_before_any_route_runs(client: AsgiClient, path: str) -> None:
    chunk = b"csrf_token=x&email=" + b"a" * 16 * 1024
    response = client.post(
        path,
        content=_chunked(*([chunk] * 5)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


def test_the_webhook_keeps_its_own_larger_bound(ctx: Context) -> None:
    from tests.fakes.webhook_client import PUBLIC_KEY, post_events, sg_event

    signed = ctx.settings.model_copy(update={"sendgrid_webhook_public_key": PUBLIC_KEY})
    client = AsgiClient(create_app(signed, Context(signed, ctx.engine)))
    try:
        events = [sg_event("open", "a@koulu.example", useragent="x" * 1000) for _ in range(100)]
        assert post_events(client, events).status_code == 200  # ~100 KiB, over 64 KiB
    finally:
        client.close()
