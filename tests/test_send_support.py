"""Shared test data for the delivery tests: hand-built compiled variants (the
mailer.core.edition.render token contract) and contacts inserted straight into the register.
Imported by tests/test_send*.py, tests/test_providers_*.py, the crash driver and bench/send.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from mailer.config import Settings
from mailer.core.edition.render import html_tokens, text_tokens
from mailer.core.models import CompiledVariant, Language, Region, Variant
from mailer.store.tables import contacts

MONTH = "2026-05"
NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
ROLE_LABELS = {
    Language.FI: {"support": "oppimisen tuen yhdyshenkilö", "welfare": "opiskeluhuolto"},
    Language.SV: {"support": "kontaktperson för stöd", "welfare": "elevvård"},
}
VARIANTS = [Variant(region=r, language=lang) for r in Region for lang in Language]


def compiled_variant(variant: Variant, month: str = MONTH) -> CompiledVariant:
    h, t = html_tokens(), text_tokens()
    hello = "Hei" if variant.language is Language.FI else "Hej"
    return CompiledVariant(
        edition=month,
        variant=variant,
        subject=f"VIPU {month} {variant.key} – åäö",
        preheader="Kuukauden uutiset",
        html=(
            f"<html><body><p>{hello} {h['first_name']} {h['last_name']}, {h['organisation']}</p>"
            f'<p>{h["role"]}</p><p><a href="{h["page_url"]}">p</a> '
            f'<a href="{h["unsubscribe_url"]}">x</a></p></body></html>'
        ),
        text=(
            f"{hello} {t['first_name']} {t['last_name']}, {t['organisation']}\n{t['role']}\n"
            f"{t['page_url']}\n{t['unsubscribe_url']}\n"
        ),
        role_labels=ROLE_LABELS[variant.language],
    )


def compiled_edition(month: str = MONTH) -> dict[Variant, CompiledVariant]:
    return {v: compiled_variant(v, month) for v in VARIANTS}


def person(i: int, **overrides: Any) -> dict[str, Any]:
    variant = VARIANTS[i % len(VARIANTS)]
    row = {
        "email": f"vipu{i}@kunta{i % 7}.example",
        "first_name": f"Anna{i}",
        "last_name": "Ek & Åberg" if i % 3 == 0 else "Virtanen",
        "organisation": f"Kunta {i % 7}",
        "org_type": "municipality",
        "municipality": None,
        "region": variant.region.value,
        "language": variant.language.value,
        "role": "support" if i % 2 else "welfare",
        "status": "active",
        "created_at": NOW,
        "updated_at": NOW,
    }
    row.update(overrides)
    return row


def add_contacts(engine: Engine, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert contacts (in chunks, so a bench's million fits), returning their ids in order."""
    rows = list(rows)
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            part = rows[start : start + 5000]
            conn.execute(sa.insert(contacts), part)
        emails = {r["email"]: None for r in rows}
        found = dict(conn.execute(sa.select(contacts.c.email, contacts.c.id)).all())
    ids = [int(found[e]) for e in emails]
    return ids


def people(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [person(i) for i in range(start, start + n)]


def sendgrid_settings(settings: Settings, fake: Any, **more: Any) -> Settings:
    return settings.model_copy(
        update={
            "provider": "sendgrid",
            "sendgrid_api_key": SecretStr(fake.api_key),
            "sendgrid_host": fake.url,
            **more,
        }
    )


def test_hand_built_variants_carry_every_recipient_token() -> None:
    for compiled in compiled_edition().values():
        for token in html_tokens().values():
            assert token in compiled.html
        for token in text_tokens().values():
            assert token in compiled.text
