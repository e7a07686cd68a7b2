"""The fake SendGrid behaves like the live API for everything our provider and bounce sync use.

Every request goes through the real `sendgrid` package (python_http_client over urllib) or a raw
http.client connection, never through the fake's Python methods.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
import sendgrid
from jsonschema import Draft202012Validator
from python_http_client import exceptions as sg_errors
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.fakes.sendgrid_schema import SPEC_DIR
from tests.fakes.sendgrid_server import FakeSendGrid, start_subprocess

NOW = time.time()


def recipient(i: int) -> dict[str, str]:
    return {"email": f"kontakti{i}@kunta{i % 7}.example", "name": f"Kontakti {i}"}


def valid_body(n: int = 2) -> dict[str, Any]:
    """A body shaped like the provider's: one variant, n personalizations."""
    return {
        "from": {"email": "vipu@oph.example", "name": "VIPU-verkosto"},
        "subject": "VIPU-kirje marraskuu 2026",
        "content": [
            {"type": "text/plain", "value": "Hei %%t:first_name%%"},
            {"type": "text/html", "value": "<p>Hei %%h:first_name%%</p>"},
        ],
        "categories": ["vipu-2026-11", "vipu-hyks-fi"],
        "personalizations": [
            {
                "to": [recipient(i)],
                "substitutions": {"%%h:first_name%%": f"Anna {i}", "%%t:first_name%%": f"Anna {i}"},
                "custom_args": {
                    "delivery_id": f"00000000-0000-4000-8000-{i:012d}",
                    "edition": "2026-11",
                    "region": "hyks",
                    "language": "fi",
                },
                "headers": {
                    "List-Unsubscribe": f"<https://vipu.example/u/t{i}>, <mailto:u@vipu.example>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            }
            for i in range(n)
        ],
    }


def client_for(fake: FakeSendGrid, key: str | None = None) -> sendgrid.SendGridAPIClient:
    return sendgrid.SendGridAPIClient(key or fake.api_key, host=fake.url)


def post(fake: FakeSendGrid, body: Any, key: str | None = None) -> Any:
    return client_for(fake, key).client.mail.send.post(request_body=body)


def error_of(fake: FakeSendGrid, body: Any, key: str | None = None) -> sg_errors.HTTPError:
    with pytest.raises(sg_errors.HTTPError) as caught:
        post(fake, body, key)
    return caught.value


def test_real_client_gets_202_with_message_id_and_the_fake_records_the_json(fake_sendgrid):
    body = valid_body(3)
    response = post(fake_sendgrid, body)

    assert response.status_code == 202
    assert response.body == b""
    message_id = response.headers["X-Message-Id"]
    assert len(message_id) == 22
    assert set(message_id) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    [recorded] = fake_sendgrid.requests
    assert recorded.message_id == message_id
    assert recorded.body == body
    accepted = fake_sendgrid.accepted_personalizations()
    assert [p.emails for p in accepted] == [[recipient(i)["email"]] for i in range(3)]
    assert {p.message_id for p in accepted} == {message_id}
    assert fake_sendgrid.sent_to(recipient(1)["email"].upper()) == 1
    assert fake_sendgrid.sent_to("nobody@nowhere.example") == 0


def test_each_request_gets_its_own_message_id(fake_sendgrid):
    ids = {post(fake_sendgrid, valid_body(1)).headers["X-Message-Id"] for _ in range(5)}
    assert len(ids) == 5
    assert fake_sendgrid.message_ids() == [r.message_id for r in fake_sendgrid.requests]


def _mutate(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = body
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is KeyError:
            del node[last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return apply


SCHEMA_VIOLATIONS = [
    (
        "bad address",
        "personalizations.1.to.0.email",
        "kontakti.example",
        "personalizations.1.to.0.email",
    ),
    ("from missing", "from", KeyError, None),
    ("to missing", "personalizations.0.to", KeyError, "personalizations.0"),
    ("empty content value", "content.1.value", "", "content.1.value"),
    ("subject empty", "subject", "", "subject"),
    ("custom_args number (overlay)", "custom_args", {"edition": 202611}, "custom_args.edition"),
    (
        "substitution number",
        "personalizations.0.substitutions",
        {"x": 1},
        "personalizations.0.substitutions.x",
    ),
    ("categories repeated", "categories", ["a", "a"], "categories"),
    ("asm without group", "asm", {"groups_to_display": [1]}, "asm"),
    ("ip pool too short", "ip_pool_name", "x", "ip_pool_name"),
    ("send_at string", "send_at", "tomorrow", "send_at"),
    (
        "disposition unknown",
        "attachments",
        [{"content": "eA==", "filename": "a.txt", "disposition": "x"}],
        "attachments.0.disposition",
    ),
    ("personalizations not array", "personalizations", {}, "personalizations"),
    ("from email not string", "from.email", 7, "from.email"),
]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [case[1:] for case in SCHEMA_VIOLATIONS],
    ids=[case[0] for case in SCHEMA_VIOLATIONS],
)
def test_schema_violation_answers_400_naming_the_field(fake_sendgrid, path, value, field):
    body = valid_body(2)
    _mutate(path, value)(body)

    err = error_of(fake_sendgrid, body)

    assert isinstance(err, sg_errors.BadRequestsError)
    [error] = json.loads(err.body)["errors"]
    assert error["field"] == field
    assert error["message"]
    assert error["help"] is None
    assert fake_sendgrid.requests == []


def _recipients(n: int, kind: str = "to") -> Callable[[dict[str, Any]], None]:
    def apply(body: dict[str, Any]) -> None:
        body["personalizations"] = [
            {"to": [recipient(0)], kind: [recipient(i) for i in range(1, n)]}
        ]
        if kind == "to":
            body["personalizations"] = [{"to": [recipient(i) for i in range(n)]}]

    return apply


def _spread(per: int, count: int) -> Callable[[dict[str, Any]], None]:
    def apply(body: dict[str, Any]) -> None:
        body["personalizations"] = [
            {"to": [recipient(p * per + i) for i in range(per)]} for p in range(count)
        ]

    return apply


def _dup_across(body: dict[str, Any]) -> None:
    body["personalizations"][1]["to"][0]["email"] = body["personalizations"][0]["to"][0][
        "email"
    ].upper()


def _dup_bcc(body: dict[str, Any]) -> None:
    body["personalizations"][0]["bcc"] = [dict(body["personalizations"][0]["to"][0])]


def _no_subject_anywhere(body: dict[str, Any]) -> None:
    del body["subject"]


def _content_removed(body: dict[str, Any]) -> None:
    del body["content"]


def _html_first(body: dict[str, Any]) -> None:
    body["content"].reverse()


BUSINESS_RULES = [
    ("1001 recipients in to", _recipients(1001), "personalizations"),
    ("1001 recipients over cc", _recipients(1001, "cc"), "personalizations"),
    ("1001 recipients over 7 personalizations", _spread(143, 7), "personalizations"),
    ("same address twice across personalizations", _dup_across, "personalizations.1.to.0.email"),
    ("same address in to and bcc", _dup_bcc, "personalizations.0.bcc.0.email"),
    (
        "personalization custom_args number",
        _mutate("personalizations.1.custom_args.delivery_id", 5),
        "personalizations.1.custom_args.delivery_id",
    ),
    (
        "custom_args over 10000 bytes",
        _mutate("personalizations.0.custom_args.big", "x" * 10_001),
        "personalizations.0",
    ),
    ("11 categories", _mutate("categories", [f"c{i}" for i in range(11)]), "categories"),
    ("category over 255 chars", _mutate("categories", ["x" * 256]), "categories.0"),
    ("category not ascii", _mutate("categories", ["vipu-yhteystiedot-äidinkieli"]), "categories.0"),
    ("send_at 73 hours ahead", _mutate("send_at", int(NOW) + 73 * 3600), "send_at"),
    (
        "personalization send_at 73 hours ahead",
        _mutate("personalizations.0.send_at", int(NOW) + 73 * 3600),
        "personalizations.0.send_at",
    ),
    (
        "reserved header To",
        _mutate("personalizations.0.headers.To", "x@y.example"),
        "personalizations.0.headers.To",
    ),
    (
        "reserved header content-type at top",
        _mutate("headers", {"content-type": "text/plain"}),
        "headers.content-type",
    ),
    (
        "reserved header dkim-signature",
        _mutate("headers", {"DKIM-Signature": "v=1"}),
        "headers.DKIM-Signature",
    ),
    ("header value not string", _mutate("headers", {"X-Vipu": 1}), "headers.X-Vipu"),
    ("no personalizations", _mutate("personalizations", []), "personalizations"),
    ("empty to", _mutate("personalizations.0.to", []), "personalizations.0.to"),
    ("no content and no template", _content_removed, "content"),
    ("text/html before text/plain", _html_first, "content"),
    ("no subject anywhere", _no_subject_anywhere, "subject"),
    (
        "reply_to with reply_to_list",
        _mutate("reply_to_list", [{"email": "a@b.example"}]),
        "reply_to_list",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [case[1:] for case in BUSINESS_RULES],
    ids=[case[0] for case in BUSINESS_RULES],
)
def test_business_rule_answers_400_naming_the_field(fake_sendgrid, mutate, field):
    body = valid_body(2)
    body["reply_to"] = {"email": "vastaus@oph.example"}
    mutate(body)

    err = error_of(fake_sendgrid, body)

    assert err.status_code == 400
    [error] = json.loads(err.body)["errors"]
    assert error["field"] == field
    assert error["message"]
    assert fake_sendgrid.requests == []


def _with_template(body: dict[str, Any]) -> None:
    del body["content"]
    del body["subject"]
    body["template_id"] = "d-0123456789abcdef"


def _subject_per_personalization(body: dict[str, Any]) -> None:
    del body["subject"]
    for i, pers in enumerate(body["personalizations"]):
        pers["subject"] = f"Kirje {i}"


EDGES_ACCEPTED = [
    ("exactly 1000 recipients", _recipients(1000)),
    ("1000 personalizations", _spread(1, 1000)),
    ("10 categories", _mutate("categories", [f"c{i}" for i in range(10)])),
    ("category of 255 chars", _mutate("categories", ["x" * 255])),
    ("send_at 71 hours ahead", _mutate("send_at", int(NOW) + 71 * 3600)),
    ("template instead of content and subject", _with_template),
    ("custom header", _mutate("headers", {"X-Vipu-Edition": "2026-11"})),
    ("subject only in personalizations", _subject_per_personalization),
]


@pytest.mark.parametrize(
    "mutate", [c[1] for c in EDGES_ACCEPTED], ids=[c[0] for c in EDGES_ACCEPTED]
)
def test_bodies_at_the_limits_are_accepted(fake_sendgrid, mutate):
    body = valid_body(2)
    mutate(body)
    assert post(fake_sendgrid, body).status_code == 202
    assert fake_sendgrid.requests[0].body == body


def test_body_over_30_mb_answers_413(fake_sendgrid):
    body = valid_body(1)
    body["attachments"] = [{"content": "QUFB" * (8 * 1024 * 1024), "filename": "big.pdf"}]

    err = error_of(fake_sendgrid, body)

    assert isinstance(err, sg_errors.PayloadTooLargeError)
    assert json.loads(err.body)["errors"][0]["message"] == "content too large"
    assert fake_sendgrid.requests == []


def test_gzip_body_is_decompressed_and_accepted(fake_sendgrid):
    body = valid_body(2)
    status, headers, _ = raw_post(
        fake_sendgrid,
        gzip.compress(json.dumps(body).encode()),
        {"Content-Encoding": "gzip"},
    )
    assert status == 202
    assert fake_sendgrid.requests[0].body == body
    assert headers["X-Message-Id"] == fake_sendgrid.requests[0].message_id


def raw_post(
    fake: FakeSendGrid,
    data: bytes,
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection(urlsplit(fake.url).netloc, timeout=10)
    try:
        conn.request(
            "POST",
            "/v3/mail/send",
            body=data,
            headers={
                "Authorization": f"Bearer {fake.api_key}",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        if own:
            conn.close()


def test_a_body_that_is_not_declared_json_answers_415(fake_sendgrid):
    status, _, payload = raw_post(
        fake_sendgrid, json.dumps(valid_body(1)).encode(), {"Content-Type": "text/plain"}
    )
    assert status == 415
    assert json.loads(payload)["errors"][0]["message"]
    assert fake_sendgrid.requests == []


@pytest.mark.parametrize(
    "data",
    [b"{not json", b"\xff\xfe", b""],
    ids=["broken json", "not utf-8", "empty body"],
)
def test_bad_json_answers_400(fake_sendgrid, data):
    status, _, payload = raw_post(fake_sendgrid, data)
    assert status == 400
    assert json.loads(payload)["errors"][0]["field"] is None
    assert fake_sendgrid.requests == []


def test_one_keep_alive_connection_carries_several_requests(fake_sendgrid):
    conn = http.client.HTTPConnection(urlsplit(fake_sendgrid.url).netloc, timeout=10)
    try:
        statuses = [raw_post(fake_sendgrid, json.dumps(valid_body(1)).encode(), conn=conn)[0]]
        sock = conn.sock
        statuses.append(raw_post(fake_sendgrid, json.dumps(valid_body(1)).encode(), conn=conn)[0])
        assert conn.sock is sock  # the same socket served both
    finally:
        conn.close()
    assert statuses == [202, 202]
    assert len(fake_sendgrid.requests) == 2


def test_chunked_body_is_read_whole(fake_sendgrid):
    body = valid_body(3)
    conn = http.client.HTTPConnection(urlsplit(fake_sendgrid.url).netloc, timeout=10)
    try:
        data = json.dumps(body).encode()
        conn.request(
            "POST",
            "/v3/mail/send",
            body=iter([data[:100], data[100:]]),
            headers={
                "Authorization": f"Bearer {fake_sendgrid.api_key}",
                "Content-Type": "application/json",
            },
            encode_chunked=True,
        )
        assert conn.getresponse().status == 202
    finally:
        conn.close()
    assert fake_sendgrid.requests[0].body == body


def test_concurrent_clients_are_all_recorded_with_distinct_message_ids(fake_sendgrid):
    def send_five(worker: int) -> list[str]:
        ids = []
        for n in range(5):
            body = valid_body(1)
            body["personalizations"][0]["to"][0]["email"] = f"w{worker}n{n}@rinnakkain.example"
            ids.append(post(fake_sendgrid, body).headers["X-Message-Id"])
        return ids

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = [i for batch in pool.map(send_five, range(8)) for i in batch]

    assert len(set(ids)) == 40
    assert sorted(fake_sendgrid.message_ids()) == sorted(ids)
    assert fake_sendgrid.stats()["unique_recipients"] == 40


AUTH_CASES = [
    ("no key", None, 401, sg_errors.UnauthorizedError),
    ("wrong key", "SG.wrong-key", 401, sg_errors.UnauthorizedError),
    ("key without mail.send scope", "restricted", 403, sg_errors.ForbiddenError),
]


@pytest.mark.parametrize(
    ("key", "status", "error"), [c[1:] for c in AUTH_CASES], ids=[c[0] for c in AUTH_CASES]
)
def test_authentication_is_checked(fake_sendgrid, key, status, error):
    if key == "restricted":
        key = fake_sendgrid.restricted_api_key
    client = client_for(fake_sendgrid, key or "unused")
    if key is None:
        del client.client.request_headers["Authorization"]

    with pytest.raises(error) as caught:
        client.client.mail.send.post(request_body=valid_body(1))

    assert caught.value.status_code == status
    [problem] = json.loads(caught.value.body)["errors"]
    assert set(problem) == {"message", "field", "help"}
    assert problem["field"] is None
    assert fake_sendgrid.requests == []


def test_injected_429_carries_rate_limit_headers_then_the_retry_is_accepted(fake_sendgrid):
    fake_sendgrid.inject(429, reset_in=2, limit=600)
    before = int(time.time())

    err = error_of(fake_sendgrid, valid_body(1))

    assert isinstance(err, sg_errors.TooManyRequestsError)
    assert err.headers["X-RateLimit-Limit"] == "600"
    assert err.headers["X-RateLimit-Remaining"] == "0"
    assert before + 2 <= int(err.headers["X-RateLimit-Reset"]) <= int(time.time()) + 2
    assert fake_sendgrid.requests == []
    assert post(fake_sendgrid, valid_body(1)).status_code == 202
    assert [a.status for a in fake_sendgrid.attempts] == [429, 202]


@pytest.mark.parametrize(
    ("kind", "error"),
    [("500", sg_errors.InternalServerError), ("503", sg_errors.ServiceUnavailableError)],
)
def test_injected_server_errors_record_nothing(fake_sendgrid, kind, error):
    fake_sendgrid.inject(kind, count=2)
    for _ in range(2):
        with pytest.raises(error):
            post(fake_sendgrid, valid_body(1))
    assert fake_sendgrid.requests == []
    assert post(fake_sendgrid, valid_body(1)).status_code == 202
    assert fake_sendgrid.stats()["faults"] == {kind: 2}


FORCED = [
    ("400", sg_errors.BadRequestsError),
    ("401", sg_errors.UnauthorizedError),
    ("403", sg_errors.ForbiddenError),
    ("413", sg_errors.PayloadTooLargeError),
]


@pytest.mark.parametrize(("kind", "error"), FORCED, ids=[c[0] for c in FORCED])
def test_injected_client_errors_answer_in_sendgrid_shape(fake_sendgrid, kind, error):
    fake_sendgrid.inject(kind, field="personalizations.0.to.0.email", message="forced")
    with pytest.raises(error) as caught:
        post(fake_sendgrid, valid_body(1))
    [problem] = json.loads(caught.value.body)["errors"]
    assert problem == {"message": "forced", "field": "personalizations.0.to.0.email", "help": None}
    assert fake_sendgrid.requests == []


def test_dropped_connection_gives_no_answer_and_records_nothing(fake_sendgrid):
    fake_sendgrid.inject("drop")
    with pytest.raises(http.client.RemoteDisconnected):
        post(fake_sendgrid, valid_body(1))
    assert fake_sendgrid.requests == []
    assert fake_sendgrid.attempts[0].status is None
    assert post(fake_sendgrid, valid_body(1)).status_code == 202


def test_accept_then_drop_records_the_send_the_client_never_heard_of(fake_sendgrid):
    fake_sendgrid.inject("accept_then_drop")
    with pytest.raises(http.client.RemoteDisconnected):
        post(fake_sendgrid, valid_body(2))
    [recorded] = fake_sendgrid.requests
    assert recorded.body == valid_body(2)
    assert fake_sendgrid.attempts[0].message_id == recorded.message_id


def test_slow_answer_past_the_client_timeout_is_still_accepted(fake_sendgrid):
    fake_sendgrid.inject("slow", seconds=0.5)
    client = client_for(fake_sendgrid)
    client.client.timeout = 0.1
    with pytest.raises(TimeoutError):
        client.client.mail.send.post(request_body=valid_body(1))
    [recorded] = fake_sendgrid.wait_for_requests(1)
    assert recorded.body == valid_body(1)


def _statuses_with_random_faults(seed: int) -> list[int | None]:
    with FakeSendGrid() as fake:
        fake.inject_random(seed, {"429": 0.2, "500": 0.2, "drop": 0.1})
        for _ in range(20):
            with contextlib.suppress(sg_errors.HTTPError, http.client.RemoteDisconnected):
                post(fake, valid_body(1))
        return [a.status for a in fake.attempts]


def test_random_faults_follow_the_seed():
    first = _statuses_with_random_faults(11)
    assert first == _statuses_with_random_faults(11)
    assert {429, 500, 202} <= set(first)
    assert first != _statuses_with_random_faults(12)


def test_unknown_fault_kind_is_refused(fake_sendgrid):
    with pytest.raises(ValueError, match="unknown fault"):
        fake_sendgrid.inject("teapot")


def test_sandbox_mode_answers_200_and_sends_nothing(fake_sendgrid):
    body = valid_body(2)
    body["mail_settings"] = {"sandbox_mode": {"enable": True}}
    response = post(fake_sendgrid, body)
    assert response.status_code == 200
    assert fake_sendgrid.requests == []
    assert fake_sendgrid.sandbox_requests[0].body == body
    assert fake_sendgrid.accepted_personalizations() == []


def test_sandbox_mode_still_validates(fake_sendgrid):
    body = valid_body(2)
    body["mail_settings"] = {"sandbox_mode": {"enable": True}}
    body["personalizations"][0]["to"][0]["email"] = "not-an-address"
    assert error_of(fake_sendgrid, body).status_code == 400
    assert fake_sendgrid.sandbox_requests == []


SUPPRESSIONS_SPEC = json.loads((SPEC_DIR / "tsg_suppressions_v3.json").read_text(encoding="utf-8"))


def suppression_response_validator(list_name: str) -> Draft202012Validator:
    """The spec's own 200 response schema for GET /v3/suppression/<list_name>."""
    registry = Registry().with_resource(
        "urn:suppressions", Resource(contents=SUPPRESSIONS_SPEC, specification=DRAFT202012)
    )
    pointer = (
        f"/paths/~1v3~1suppression~1{list_name}/get/responses/200/content/application~1json/schema"
    )
    return Draft202012Validator({"$ref": f"urn:suppressions#{pointer}"}, registry=registry)


def fetch_all(client: sendgrid.SendGridAPIClient, list_name: str, limit: int) -> list[dict]:
    """Page the way `mailer bounces sync` must: limit/offset until a short page."""
    entries: list[dict] = []
    offset = 0
    while True:
        endpoint = client.client.suppression._(list_name)
        page = endpoint.get(query_params={"limit": limit, "offset": offset}).to_dict
        entries.extend(page)
        if len(page) < limit:
            return entries
        offset += limit


@pytest.mark.parametrize("list_name", ["bounces", "blocks", "invalid_emails", "spam_reports"])
def test_suppression_paging_returns_every_entry_once_in_the_spec_shape(fake_sendgrid, list_name):
    emails = [f"vanha{i}@koulu{i % 9}.example" for i in range(1234)]
    for i, email in enumerate(emails):
        fake_sendgrid.add_suppression(list_name, email, created=1_790_000_000 + i // 3)
    client = client_for(fake_sendgrid)

    entries = fetch_all(client, list_name, limit=500)

    assert sorted(e["email"] for e in entries) == sorted(emails)
    suppression_response_validator(list_name).validate(entries)
    assert [e["created"] for e in entries] == sorted((e["created"] for e in entries), reverse=True)
    assert len(fetch_all(client, list_name, limit=7)) == 1234


def test_bounce_entries_carry_status_and_reason(fake_sendgrid):
    fake_sendgrid.add_suppression(
        "bounces", "poistunut@kunta.example", reason="550 5.1.1 user unknown", status="5.1.1"
    )
    [entry] = client_for(fake_sendgrid).client.suppression.bounces.get().to_dict
    assert entry["email"] == "poistunut@kunta.example"
    assert entry["status"] == "5.1.1"
    assert entry["reason"] == "550 5.1.1 user unknown"
    assert isinstance(entry["created"], int)


def test_suppressions_filter_by_time_window(fake_sendgrid):
    for i in range(10):
        fake_sendgrid.add_suppression("blocks", f"b{i}@x.example", created=1000 + i)
    page = client_for(fake_sendgrid).client.suppression.blocks.get(
        query_params={"start_time": 1003, "end_time": 1005}
    )
    assert sorted(e["email"] for e in page.to_dict) == [
        "b3@x.example",
        "b4@x.example",
        "b5@x.example",
    ]


@pytest.mark.parametrize("query", [{"limit": 501}, {"limit": 0}, {"offset": -1}, {"limit": "x"}])
def test_suppression_paging_parameters_outside_the_spec_answer_400(fake_sendgrid, query):
    with pytest.raises(sg_errors.BadRequestsError):
        client_for(fake_sendgrid).client.suppression.bounces.get(query_params=query)


def test_suppression_lists_need_the_key(fake_sendgrid):
    with pytest.raises(sg_errors.UnauthorizedError):
        client_for(fake_sendgrid, "SG.wrong").client.suppression.bounces.get()


def test_events_carry_custom_args_categories_and_the_message_id_prefix(fake_sendgrid):
    message_id = post(fake_sendgrid, valid_body(3)).headers["X-Message-Id"]

    events = fake_sendgrid.events_for_accepted("delivered")

    assert [e["email"] for e in events] == [recipient(i)["email"] for i in range(3)]
    for i, event in enumerate(events):
        assert event["event"] == "delivered"
        assert event["delivery_id"] == f"00000000-0000-4000-8000-{i:012d}"
        assert (event["edition"], event["region"], event["language"]) == ("2026-11", "hyks", "fi")
        assert event["sg_message_id"].split(".")[0] == message_id
        assert event["category"] == ["vipu-2026-11", "vipu-hyks-fi"]
        assert isinstance(event["timestamp"], int)
        assert event["smtp-id"].startswith("<")
    assert len({e["sg_event_id"] for e in events}) == 3
    assert len({e["sg_message_id"] for e in events}) == 3


def test_events_carry_a_single_category_as_a_string_and_the_asm_group(fake_sendgrid):
    body = valid_body(1)
    body["categories"] = ["vipu-2026-11"]
    body["asm"] = {"group_id": 4242}
    post(fake_sendgrid, body)
    [event] = fake_sendgrid.events_for_accepted("open")
    assert event["category"] == "vipu-2026-11"
    assert event["asm_group_id"] == 4242


def test_events_have_no_category_when_the_message_had_none(fake_sendgrid):
    body = valid_body(1)
    del body["categories"]
    post(fake_sendgrid, body)
    [event] = fake_sendgrid.events_for_accepted("delivered")
    assert "category" not in event
    assert "asm_group_id" not in event


def test_top_level_custom_args_are_overridden_by_the_personalization(fake_sendgrid):
    body = valid_body(1)
    body["custom_args"] = {"edition": "2026-10", "source": "vipu"}
    post(fake_sendgrid, body)
    [event] = fake_sendgrid.events_for_accepted("processed")
    assert event["edition"] == "2026-11"
    assert event["source"] == "vipu"


EVENT_SHAPES = [
    (
        "bounce",
        {
            "event": "bounce",
            "type": "bounce",
            "status": "5.1.1",
            "bounce_classification": "Invalid Address",
        },
    ),
    ("blocked", {"event": "bounce", "type": "blocked", "bounce_classification": "Reputation"}),
    ("dropped", {"event": "dropped", "reason": "Bounced Address"}),
    ("deferred", {"event": "deferred", "attempt": "1"}),
    ("spamreport", {"event": "spamreport"}),
    ("group_unsubscribe", {"event": "group_unsubscribe", "asm_group_id": 1}),
]


@pytest.mark.parametrize(("kind", "expected"), EVENT_SHAPES, ids=[c[0] for c in EVENT_SHAPES])
def test_events_of_each_kind_have_their_fields(fake_sendgrid, kind, expected):
    post(fake_sendgrid, valid_body(2))
    events = fake_sendgrid.events_for_accepted(kind, emails=[recipient(1)["email"].upper()])
    [event] = events
    assert event["email"] == recipient(1)["email"]
    assert expected.items() <= event.items()
    if kind in ("bounce", "blocked", "deferred", "dropped"):
        assert event["reason" if kind != "deferred" else "response"]


def test_event_overrides_replace_and_remove_fields(fake_sendgrid):
    post(fake_sendgrid, valid_body(1))
    [event] = fake_sendgrid.events_for_accepted(
        "dropped", reason="Invalid", timestamp=1_790_000_000, delivery_id=None
    )
    assert event["reason"] == "Invalid"
    assert event["timestamp"] == 1_790_000_000
    assert "delivery_id" not in event


def test_reset_forgets_requests_faults_and_suppressions(fake_sendgrid):
    post(fake_sendgrid, valid_body(1))
    fake_sendgrid.inject("500")
    fake_sendgrid.add_suppression("bounces", "x@y.example")
    fake_sendgrid.reset()
    assert fake_sendgrid.requests == []
    assert post(fake_sendgrid, valid_body(1)).status_code == 202
    assert client_for(fake_sendgrid).client.suppression.bounces.get().to_dict == []


def test_subprocess_fake_counts_recipients_and_duplicate_delivery_ids():
    with start_subprocess() as fake:
        client = sendgrid.SendGridAPIClient(fake.api_key, host=fake.url)
        client.client.mail.send.post(request_body=valid_body(5))
        again = valid_body(2)
        for p in again["personalizations"]:
            p["to"][0]["email"] = "toinen." + p["to"][0]["email"]
        client.client.mail.send.post(request_body=again)  # same delivery ids 0 and 1, resent
        fake.inject("503")
        with pytest.raises(sg_errors.ServiceUnavailableError):
            client.client.mail.send.post(request_body=valid_body(1))

        stats = fake.stats()

    assert stats["requests"] == 3
    assert stats["accepted_requests"] == 2
    assert stats["personalizations"] == 7
    assert stats["unique_delivery_ids"] == 5
    assert stats["duplicate_delivery_ids"] == 2
    assert stats["unique_recipients"] == 7
    assert stats["statuses"] == {"202": 2, "503": 1}
