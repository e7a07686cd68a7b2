"""The inbox settings: List-Id, Feedback-ID, and the sender per language."""

from __future__ import annotations

import pytest

from mailer.config import load_settings
from mailer.core.errors import ConfigError
from mailer.core.models import Language


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MAILER_LIST_ID", "VIPU-kuukausikirje"),
        ("MAILER_LIST_ID", "VIPU <no dots here>"),
        ("MAILER_SENDGRID_FEEDBACK_ID", "{campaign}:vipu"),
        ("MAILER_SENDGRID_FEEDBACK_ID", "vipu kirje"),
    ],
)
def test_a_malformed_list_or_feedback_id_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.variable == variable


def test_the_swedish_sender_defaults_to_the_finnish_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILER_FROM_NAME", "VIP-verkosto")
    monkeypatch.setenv("MAILER_SENDER_ADDRESS", "VIP-verkosto, PL 1, 00100 Helsinki")
    settings = load_settings()
    assert settings.from_name_for(Language.SV) == "VIP-verkosto"
    assert settings.sender_address_for(Language.SV) == "VIP-verkosto, PL 1, 00100 Helsinki"
    monkeypatch.setenv("MAILER_FROM_NAME_SV", "VIP-nätverket")
    monkeypatch.setenv("MAILER_SENDER_ADDRESS_SV", "VIP-nätverket, PB 1, 00101 Helsingfors")
    settings = load_settings()
    assert settings.from_name_for(Language.SV) == "VIP-nätverket"
    assert settings.from_name_for(Language.FI) == "VIP-verkosto"
    assert settings.sender_address_for(Language.SV).endswith("Helsingfors")
    assert settings.sender_address_for(Language.FI).endswith("Helsinki")
