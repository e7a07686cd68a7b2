"""Micro-benchmark of the fake SendGrid's validation (run: python -m tests.fakes.bench_validation).

Builds a provider-shaped body of 1,000 personalizations (~1 MB) and prints, per body:
json.loads, the fast schema path (fastjsonschema), the business rules, the full validation the
fake runs, and the naive way (jsonschema 2020-12 over the whole body) for comparison; then posts
the body N times to a subprocess fake over one keep-alive connection and prints requests/s.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import sendgrid

from tests.fakes import sendgrid_rules as rules
from tests.fakes import sendgrid_schema as schema
from tests.fakes.sendgrid_process import start_subprocess


def provider_body(n: int = 1000) -> dict[str, Any]:
    def pers(i: int) -> dict[str, Any]:
        token = uuid.uuid4().hex
        return {
            "to": [{"email": f"kontakti{i}@kunta{i % 300}.example", "name": f"Kontakti {i}"}],
            "substitutions": {
                f"%%h:field{k}%%": f"arvo {k} vastaanottajalle {i}" for k in range(8)
            },
            "custom_args": {
                "delivery_id": str(uuid.uuid4()),
                "edition": "2026-11",
                "region": "hyks",
                "language": "fi",
            },
            "headers": {
                "List-Unsubscribe": f"<https://vipu.example/u/{token}>, "
                f"<mailto:u@vipu.example?subject=unsubscribe-{token}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        }

    return {
        "personalizations": [pers(i) for i in range(n)],
        "from": {"email": "vipu@oph.example", "name": "VIPU"},
        "subject": "VIPU-kirje",
        "content": [
            {"type": "text/plain", "value": "t" * 8_000},
            {"type": "text/html", "value": "<p>" + "h" * 40_000 + "</p>"},
        ],
        "categories": ["vipu-2026-11", "vipu-hyks-fi"],
    }


def best_ms(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main(posts: int = 30) -> None:
    body = provider_body()
    raw = json.dumps(body).encode()
    schema.warm_up()
    print(f"body: {len(body['personalizations'])} personalizations, {len(raw) / 1e6:.2f} MB")
    figures = {
        "json.loads": best_ms(lambda: json.loads(raw), 10),
        "fast schema (fastjsonschema)": best_ms(lambda: schema.fast_validator()(body), 10),
        "business rules": best_ms(lambda: rules.check_business_rules(body), 10),
        "full validation (what the fake runs)": best_ms(lambda: rules.validate_mail_send(body), 10),
        "naive: jsonschema 2020-12 whole body": best_ms(lambda: schema.reference_error(body), 3),
    }
    for name, ms in figures.items():
        print(f"  {name:40s} {ms:8.1f} ms")
    with start_subprocess() as fake:
        conn = http.client.HTTPConnection(urlsplit(fake.url).netloc, timeout=60)
        headers = {"Authorization": f"Bearer {fake.api_key}", "Content-Type": "application/json"}
        started = time.perf_counter()
        for _ in range(posts):
            conn.request("POST", "/v3/mail/send", body=raw, headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 202, response.status
        elapsed = time.perf_counter() - started
        conn.close()
        # The real client as the provider uses it: urllib, json.dumps of the dict, one connection
        # per request.
        client = sendgrid.SendGridAPIClient(fake.api_key, host=fake.url)
        started = time.perf_counter()
        for _ in range(posts):
            client.client.mail.send.post(request_body=body)
        client_elapsed = time.perf_counter() - started
        stats = fake.stats()
    print(
        f"  keep-alive http.client -> subprocess fake: {posts / elapsed:.1f} requests/s "
        f"({posts * 1000 / elapsed:,.0f} personalizations/s)"
    )
    print(
        f"  sendgrid client -> subprocess fake: {posts / client_elapsed:.1f} requests/s "
        f"({posts * 1000 / client_elapsed:,.0f} personalizations/s)"
    )
    print(
        f"  fake: {stats['accepted_requests']} accepted, {stats['recipients']} recipients, "
        f"validation mean {stats['validation_seconds'] / stats['requests'] * 1000:.1f} ms, "
        f"max {stats['validation_max_ms']} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
