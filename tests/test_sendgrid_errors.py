"""The SendGrid package's one error mapper: HTTP status and transport failures -> our errors."""

from __future__ import annotations

import http.client
import json
import urllib.error
from email.message import Message

import pytest

from mailer.core.errors import (
    DeliveryOutcomeUnknownError,
    PermanentProviderError,
    ProviderAuthError,
    RateLimitedError,
    TransientProviderError,
)
from mailer.providers.sendgrid.errors import (
    HTTPError,
    error_from_http,
    error_from_transport,
    field_errors,
    rate_limit_reset,
)

REQUEST = "POST /v3/mail/send"


def http_error(status: int, body: bytes = b"", headers: object = None) -> HTTPError:
    return HTTPError(status, "reason", body, headers)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1800000000", 1_800_000_000.0),  # what SendGrid sends; both old parsers took it
        (" 1800000000 ", 1_800_000_000.0),  # float() took the spaces, isdigit() did not
        ("1800000000.5", 1_800_000_000.5),  # float() took a fraction, isdigit() did not
        (b"1800000000", 1_800_000_000.0),
        ("0", 0.0),
        (None, None),  # no header
        ("", None),
        ("soon", None),  # both old parsers refused it
        ("nan", None),  # float() took it, and the wait became NaN: the sleep raised
        ("inf", None),
        ("-inf", None),
        ("-5", None),  # a time before 1970 is no reset time
        ("1e9", None),  # float() took exponents; SendGrid sends none
        ("1_000", None),  # float() took underscores
        ("²", None),  # isdigit() said yes, then float() raised ValueError
        ("١٢٣", None),  # Arabic-Indic digits: isdigit() and float() both took them
        (1_800_000_000, None),  # not a header value
    ],
)
def test_rate_limit_reset_reads_only_unix_seconds(value: object, expected: float | None) -> None:
    assert rate_limit_reset(value) == expected


def test_429_reads_the_reset_header_in_any_case_from_urllibs_headers() -> None:
    headers = Message()
    headers["x-ratelimit-reset"] = "1800000060"
    err = error_from_http(http_error(429, b"", headers), request=REQUEST, key_needs="x")
    assert isinstance(err, RateLimitedError)
    assert err.reset_at == 1_800_000_060.0


@pytest.mark.parametrize("headers", [None, {}, {"X-RateLimit-Reset": "nan"}])
def test_429_without_a_usable_reset_waits_by_backoff(headers: object) -> None:
    err = error_from_http(http_error(429, b"", headers), request=REQUEST, key_needs="x")
    assert isinstance(err, RateLimitedError)
    assert err.reset_at is None


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, PermanentProviderError),
        (413, PermanentProviderError),
        (404, PermanentProviderError),
        (401, ProviderAuthError),
        (403, ProviderAuthError),
        (500, TransientProviderError),
        (503, TransientProviderError),
        (429, RateLimitedError),
    ],
)
def test_each_status_maps_to_one_error_kind(status: int, kind: type[Exception]) -> None:
    body = json.dumps({"errors": [{"field": "subject", "message": "is required"}]}).encode()
    err = error_from_http(http_error(status, body), request=REQUEST, key_needs="the x scope")
    assert type(err) is kind
    assert str(err).startswith(f"{REQUEST}: ")
    assert "subject: is required" in str(err)
    if status != 429:
        assert (err.status, err.body) == (status, body.decode())


def test_auth_errors_name_the_setting_and_what_the_key_needs() -> None:
    err = error_from_http(http_error(401), request=REQUEST, key_needs="the mail.send scope")
    assert "MAILER_SENDGRID_API_KEY" in str(err) and "the mail.send scope" in str(err)
    assert "no details" in str(err)


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        (b"", "no details"),
        (None, "no details"),
        (b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
        (b'{"errors": "oops"}', '{"errors": "oops"}'),
        (b'{"errors": ["oops", {"message": "bad"}]}', "bad"),
        (b'{"errors": [{"message": "bad"}, {"field": "from"}]}', "bad; from: ?"),
        (b"[1, 2]", "[1, 2]"),
        ("\u00e5 \u00e4".encode(), "\u00e5 \u00e4"),
    ],
)
def test_error_bodies_of_any_shape_become_one_readable_line(body: bytes | None, shown: str) -> None:
    assert field_errors(body) == shown


def test_a_request_that_never_left_is_transient() -> None:
    err = error_from_transport(
        urllib.error.URLError(ConnectionRefusedError(111, "refused")),
        request=REQUEST,
        idempotent=False,
    )
    assert type(err) is TransientProviderError
    assert "could not reach SendGrid" in str(err)


@pytest.mark.parametrize(
    "failure", [TimeoutError("timed out"), http.client.RemoteDisconnected("closed")]
)
def test_no_answer_to_a_mail_send_is_an_unknown_outcome_but_a_get_is_retried(
    failure: Exception,
) -> None:
    assert isinstance(failure, OSError | http.client.HTTPException)
    send = error_from_transport(failure, request=REQUEST, idempotent=False)
    get = error_from_transport(failure, request="GET /v3/suppression/blocks", idempotent=True)
    assert type(send) is DeliveryOutcomeUnknownError
    assert type(get) is TransientProviderError
    assert "no answer from SendGrid" in str(send) and "no answer from SendGrid" in str(get)
