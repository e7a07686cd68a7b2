"""The SendGrid provider against the fake SendGrid: bodies, errors, retries, timeouts."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from mailer.config import Settings
from mailer.core.errors import (
    ConfigError,
    DeliveryOutcomeUnknownError,
    PermanentProviderError,
    ProviderAuthError,
    TransientProviderError,
)
from mailer.core.models import OutgoingMessage, Role
from mailer.providers import make_provider
from mailer.providers.base import Batch
from mailer.providers.sendgrid.client import HTTP_LOGGER, RedactingFilter
from mailer.providers.sendgrid.send import RetryPolicy, SendGridProvider
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.test_providers_outbox import recipient
from tests.test_send_support import MONTH, VARIANTS, compiled_variant

T0 = 1_800_000_000.0


def provider_for(
    fake: FakeSendGrid, *, sleeps: list[float] | None = None, attempts: int = 4, **settings: object
) -> SendGridProvider:
    config = Settings(
        provider="sendgrid",
        sendgrid_api_key=SecretStr(fake.api_key),
        sendgrid_host=fake.url,
        **settings,  # type: ignore[arg-type]
    )
    log = sleeps if sleeps is not None else []
    return SendGridProvider(
        config, retry=RetryPolicy(attempts=attempts, sleep=log.append, clock=fake.clock)
    )


def batch(n: int = 2, variant: int = 0) -> Batch:
    return Batch(
        batch_id="b",
        compiled=compiled_variant(VARIANTS[variant]),
        recipients=tuple(recipient(i) for i in range(n)),
    )


def message() -> OutgoingMessage:
    return OutgoingMessage(
        delivery_id="test-1",
        edition="2026-11",
        variant=VARIANTS[0],
        to_email="kaisa.coordinator@vip-verkosto.example",
        to_name="Kaisa",
        subject="[TEST] VIPU",
        html="<p>hei</p>",
        text="hei",
    )


@pytest.fixture
def fixed_clock_fake() -> Iterator[FakeSendGrid]:
    """A fake whose clock stands still, so X-RateLimit-Reset is exact."""
    fake = FakeSendGrid(clock=lambda: T0).start()
    yield fake
    fake.stop()


def test_accepted_batch_records_the_x_message_id(fake_sendgrid: FakeSendGrid) -> None:
    outcomes = provider_for(fake_sendgrid).send_batch(batch(3))
    (request,) = fake_sendgrid.requests
    assert [o.message_id for o in outcomes] == [request.message_id] * 3
    assert len(request.message_id) == 22


def test_options_asm_group_reply_to_and_sandbox_go_into_the_body(
    fake_sendgrid: FakeSendGrid,
) -> None:
    provider = provider_for(
        fake_sendgrid,
        sendgrid_asm_group_id=4242,
        sendgrid_sandbox=True,
        reply_to="vip@helsinki.example",
    )
    provider.send_batch(batch(1))
    (request,) = fake_sendgrid.sandbox_requests
    assert request.body is not None
    assert request.body["asm"] == {"group_id": 4242}
    assert request.body["mail_settings"] == {"sandbox_mode": {"enable": True}}
    assert request.body["reply_to"] == {"email": "vip@helsinki.example"}
    assert fake_sendgrid.requests == []  # sandbox: validated, never "sent"


def test_more_than_1000_recipients_is_refused_before_any_request(
    fake_sendgrid: FakeSendGrid,
) -> None:
    big = batch(1)
    big = big.model_copy(update={"recipients": tuple(recipient(i) for i in range(1001))})
    with pytest.raises(ValueError, match="at most 1000"):
        provider_for(fake_sendgrid).send_batch(big)
    assert fake_sendgrid.attempts == []


def test_429_waits_until_the_rate_limit_resets(fixed_clock_fake: FakeSendGrid) -> None:
    sleeps: list[float] = []
    fixed_clock_fake.inject("429", reset_in=42)
    provider_for(fixed_clock_fake, sleeps=sleeps).send_batch(batch())
    assert sleeps == [pytest.approx(42.05)]
    assert [a.status for a in fixed_clock_fake.attempts] == [429, 202]


def test_429_wait_is_capped(fixed_clock_fake: FakeSendGrid) -> None:
    sleeps: list[float] = []
    fixed_clock_fake.inject("429", reset_in=3600)
    provider_for(fixed_clock_fake, sleeps=sleeps).send_batch(batch())
    assert sleeps == [120.0]


def test_5xx_is_retried_with_growing_backoff_then_succeeds(fake_sendgrid: FakeSendGrid) -> None:
    sleeps: list[float] = []
    fake_sendgrid.inject("500")
    fake_sendgrid.inject("503")
    provider_for(fake_sendgrid, sleeps=sleeps).send_batch(batch())
    assert [a.status for a in fake_sendgrid.attempts] == [500, 503, 202]
    assert len(sleeps) == 2
    assert 1.0 <= sleeps[0] <= 2.0 and 2.0 <= sleeps[1] <= 3.0  # 1 s, 2 s, plus jitter <= 1 s


def test_5xx_retries_are_bounded(fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.inject("503", count=10)
    with pytest.raises(TransientProviderError, match="503"):
        provider_for(fake_sendgrid, attempts=3).send_batch(batch())
    assert len(fake_sendgrid.attempts) == 3
    assert fake_sendgrid.requests == []


@pytest.mark.parametrize("fault", ["drop", "accept_then_drop"])
def test_no_answer_after_the_request_is_never_retried(
    fake_sendgrid: FakeSendGrid, fault: str
) -> None:
    fake_sendgrid.inject(fault)
    with pytest.raises(DeliveryOutcomeUnknownError, match="no answer"):
        provider_for(fake_sendgrid).send_batch(batch())
    assert len(fake_sendgrid.attempts) == 1


def test_a_read_timeout_is_an_unknown_outcome_not_a_retry(fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.inject("slow", seconds=1.5)
    provider = provider_for(fake_sendgrid, sendgrid_timeout=0.3)
    with pytest.raises(DeliveryOutcomeUnknownError, match="timed out"):
        provider.send_batch(batch())
    assert provider.requests_made == 1  # given up on, never tried again
    # the fake records a request once it has answered it: wait for the slow answer, then count
    fake_sendgrid.wait_for_requests(1)
    assert len(fake_sendgrid.attempts) == 1


def test_an_unreachable_api_is_retried_then_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nobody listens there
    sleeps: list[float] = []
    settings = Settings(
        provider="sendgrid",
        sendgrid_api_key=SecretStr("SG.x"),
        sendgrid_host=f"http://127.0.0.1:{port}",
    )
    provider = SendGridProvider(settings, retry=RetryPolicy(attempts=3, sleep=sleeps.append))
    with pytest.raises(TransientProviderError, match="could not reach SendGrid"):
        provider.send_batch(batch())
    assert provider.requests_made == 3 and len(sleeps) == 2


def test_debug_logging_shows_neither_the_api_key_nor_any_address(
    fake_sendgrid: FakeSendGrid, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # an operator turning every logger up to DEBUG
    sent = batch(3)
    provider_for(fake_sendgrid).send_batch(sent)
    assert len(fake_sendgrid.requests) == 1
    text = caplog.text
    assert fake_sendgrid.api_key not in text
    for r in sent.recipients:
        assert r.email not in text and r.unsubscribe_url not in text


def test_the_http_clients_own_debug_log_never_shows_the_key_or_a_body(
    fake_sendgrid: FakeSendGrid, caplog: pytest.LogCaptureFixture
) -> None:
    # an operator turning python_http_client's own logger to DEBUG: its lines come through,
    # redacted (the filter sits on that logger, so it holds whatever level it is set to)
    caplog.set_level(logging.DEBUG, logger=HTTP_LOGGER)
    sent = batch(3)
    provider = provider_for(fake_sendgrid)
    provider.send_batch(sent)
    provider.send_message(message())
    assert len(fake_sendgrid.requests) == 2
    lines = [r.getMessage() for r in caplog.records if r.name == HTTP_LOGGER]
    assert any(line.startswith("HEADERS: ") and "'Authorization': '<redacted>'" in line
               for line in lines)  # fmt: skip
    assert "PAYLOAD: <redacted>" in lines
    text = caplog.text
    assert fake_sendgrid.api_key not in text and "Bearer" not in text
    for r in sent.recipients:
        assert r.email not in text and r.unsubscribe_url not in text and r.last_name not in text
    assert message().to_email not in text and "personalizations" not in text


def test_redaction_covers_error_answers_too(
    fake_sendgrid: FakeSendGrid, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=HTTP_LOGGER)
    fake_sendgrid.inject("400", field="personalizations.0.to.0.email", message="bad address")
    with pytest.raises(PermanentProviderError, match="bad address"):
        provider_for(fake_sendgrid).send_batch(batch(1))
    lines = [r.getMessage() for r in caplog.records if r.name == HTTP_LOGGER]
    assert "POST Response: 400 <redacted>" in lines
    assert "bad address" not in caplog.text and fake_sendgrid.api_key not in caplog.text


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("HEADERS: {'Authorization': 'Bearer SG.k1.s2', 'Accept': 'application/json'}",
         "HEADERS: {'Authorization': '<redacted>', 'Accept': 'application/json'}"),
        ('HEADERS: {"authorization": "Bearer x"}', 'HEADERS: {"authorization": "<redacted>"}'),
        ("Authorization: Bearer abc.def", "Authorization: Bearer <redacted>"),
        ("retrying with key SG.k1.s2 now", "retrying with key <redacted> now"),
        ('PAYLOAD: {"personalizations": []}', "PAYLOAD: <redacted>"),
        ("POST Response: 202 b''", "POST Response: 202 <redacted>"),
        ("GET Request: https://api.sendgrid.example/v3/suppression/blocks?limit=500&offset=0",
         "GET Request: https://api.sendgrid.example/v3/suppression/blocks?limit=500&offset=0"),
    ],
)  # fmt: skip
def test_the_redacting_filter_rewrites_every_shape_of_line(line: str, shown: str) -> None:
    record = logging.LogRecord(HTTP_LOGGER, logging.DEBUG, __file__, 1, "%s", (line,), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == shown


def test_non_ascii_values_arrive_as_written(fake_sendgrid: FakeSendGrid) -> None:
    one = recipient(1).model_copy(
        update={"first_name": "Åsa-Märta", "last_name": "Öhman", "organisation": "Närpes stad"}
    )
    sent = batch(1).model_copy(update={"recipients": (one,)})
    provider_for(fake_sendgrid).send_batch(sent)
    (request,) = fake_sendgrid.requests
    assert request.body is not None
    (pers,) = request.body["personalizations"]
    assert pers["to"] == [{"email": one.email, "name": "Åsa-Märta Öhman"}]
    assert pers["substitutions"]["%%t:organisation%%"] == "Närpes stad"


def test_400_names_the_field_and_is_not_retried(fake_sendgrid: FakeSendGrid) -> None:
    bad = batch(2)
    bad = bad.model_copy(
        update={"recipients": (recipient(1), recipient(2).model_copy(update={"email": "nope"}))}
    )
    with pytest.raises(PermanentProviderError, match=r"personalizations\.1\.to\.0\.email") as err:
        provider_for(fake_sendgrid).send_batch(bad)
    assert err.value.status == 400
    assert err.value.refused == (bad.recipients[1].delivery_id,)  # only the one it named
    assert len(fake_sendgrid.attempts) == 1


def test_a_400_about_the_shared_part_blames_no_recipient(fake_sendgrid: FakeSendGrid) -> None:
    sent = batch(2)
    sent = sent.model_copy(update={"compiled": sent.compiled.model_copy(update={"text": ""})})
    with pytest.raises(PermanentProviderError, match=r"content") as err:
        provider_for(fake_sendgrid).send_batch(sent)
    assert err.value.refused == ()


@pytest.mark.parametrize(("status", "use_restricted"), [(401, False), (403, True)])
def test_a_refused_key_is_an_auth_error(
    fake_sendgrid: FakeSendGrid, status: int, use_restricted: bool
) -> None:
    key = fake_sendgrid.restricted_api_key if use_restricted else "SG.wrong"
    settings = Settings(
        provider="sendgrid", sendgrid_api_key=SecretStr(key), sendgrid_host=fake_sendgrid.url
    )
    with pytest.raises(ProviderAuthError, match="MAILER_SENDGRID_API_KEY") as err:
        SendGridProvider(settings).send_batch(batch())
    assert err.value.status == status
    assert len(fake_sendgrid.attempts) == 1


def test_sendgrid_without_a_key_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MAILER_SENDGRID_API_KEY"):
        make_provider(Settings(provider="sendgrid", var_dir=tmp_path))


def test_make_provider_builds_sendgrid_with_a_client_timeout(fake_sendgrid: FakeSendGrid) -> None:
    provider = make_provider(
        Settings(
            provider="sendgrid",
            sendgrid_api_key=SecretStr(fake_sendgrid.api_key),
            sendgrid_host=fake_sendgrid.url,
            sendgrid_timeout=7.5,
        )
    )
    assert isinstance(provider, SendGridProvider)
    assert provider.timeout == 7.5


@pytest.mark.parametrize(
    ("first", "last", "org", "role", "title"),
    [
        ("Anna", "Virtanen", "Espoon kaupunki", "support", None),
        ("Åsa", "Ek & Åberg", "Kunta <Oy>", "welfare", "rehtori"),  # a title beside a known role
        ('Jean "JJ"', "O'Neil", "A&B; C", "ecec", None),  # no label: the raw value is used
        ("%%t:first_name%%", "", "&amp;", "support", None),
        ("Ilmari", "Ilves", "Oulun kaupunki", "other", "erityisopettaja & <kuraattori>"),
    ],
)
def test_batch_substitutions_equal_the_render_contract(
    first: str, last: str, org: str, role: str, title: str | None
) -> None:
    from mailer.core.edition.render import substitutions
    from mailer.providers.sendgrid.body import _Substitutions

    compiled = compiled_variant(VARIANTS[3])
    subs = _Substitutions(compiled)
    assert subs.fast
    for r in (recipient(1), recipient(2)):
        person = r.model_copy(
            update={
                "first_name": first,
                "last_name": last,
                "organisation": org,
                "role": Role(role),
                "title": title,
            }
        )
        assert subs(person) == substitutions(compiled, person)


@pytest.mark.parametrize(
    ("fields", "blamed"),
    [
        (["personalizations.3.to.0.email"], {3}),
        (["personalizations.0.to.0.email", "personalizations.7.headers"], {0, 7}),
        (["personalizations.2"], {2}),
        # one error outside the personalizations: the request as a whole is wrong
        (["personalizations.1.to.0.email", "content.0.value"], set()),
        (["subject"], set()),
        ([None], set()),
        # an index the batch does not have is not believed
        (["personalizations.10.to.0.email"], set()),
    ],
)
def test_which_recipients_a_400_blames(fields: list[str | None], blamed: set[int]) -> None:
    import json

    from mailer.providers.sendgrid.errors import named_personalizations

    body = json.dumps({"errors": [{"message": "bad", "field": f} for f in fields]})
    assert named_personalizations(body, 10) == blamed


def test_a_400_body_that_is_not_sendgrids_error_shape_blames_no_one() -> None:
    from mailer.providers.sendgrid.errors import named_personalizations

    assert named_personalizations("<html>Bad Request</html>", 10) == set()
    assert named_personalizations('["personalizations.1"]', 10) == set()
    assert named_personalizations(None, 10) == set()


def test_tracking_is_set_explicitly_and_off_by_default(fake_sendgrid: FakeSendGrid) -> None:
    provider_for(fake_sendgrid).send_batch(batch(1))
    (request,) = fake_sendgrid.requests
    assert request.body is not None
    assert request.body["tracking_settings"] == {
        "subscription_tracking": {"enable": False},
        "open_tracking": {"enable": False},
        "click_tracking": {"enable": False, "enable_text": False},
    }


def test_open_and_click_tracking_can_each_be_switched_on(fake_sendgrid: FakeSendGrid) -> None:
    provider_for(fake_sendgrid, sendgrid_open_tracking=True).send_batch(batch(1))
    provider_for(fake_sendgrid, sendgrid_click_tracking=True).send_batch(batch(1))
    opened, clicked = (r.body["tracking_settings"] for r in fake_sendgrid.requests if r.body)
    assert opened["open_tracking"] == {"enable": True}
    assert opened["click_tracking"]["enable"] is False
    assert clicked["click_tracking"] == {"enable": True, "enable_text": True}
    assert clicked["open_tracking"] == {"enable": False}
    # subscription tracking (SendGrid's own footer and unsubscribe link) is never on
    assert opened["subscription_tracking"] == clicked["subscription_tracking"] == {"enable": False}


def test_every_request_carries_list_id_and_the_optional_feedback_id(
    fake_sendgrid: FakeSendGrid,
) -> None:
    provider_for(fake_sendgrid).send_batch(batch(1))
    provider_for(
        fake_sendgrid, sendgrid_feedback_id="{edition}:{variant}:vipu:vip-verkosto"
    ).send_batch(batch(1))
    plain, with_feedback = (r.body for r in fake_sendgrid.requests if r.body)
    assert plain["headers"] == {"List-Id": "VIPU-kuukausikirje <vipu.vip-verkosto.example>"}
    variant = VARIANTS[0]
    assert with_feedback["headers"]["Feedback-ID"] == f"{MONTH}:{variant.key}:vipu:vip-verkosto"


def test_the_sender_name_follows_the_letters_language(fake_sendgrid: FakeSendGrid) -> None:
    sv = next(i for i, v in enumerate(VARIANTS) if v.language.value == "sv")
    fi = next(i for i, v in enumerate(VARIANTS) if v.language.value == "fi")
    provider = provider_for(fake_sendgrid, from_name_sv="VIP-nätverket")
    provider.send_batch(batch(1, variant=sv))
    provider.send_batch(batch(1, variant=fi))
    names = [r.body["from"]["name"] for r in fake_sendgrid.requests if r.body]
    assert names == ["VIP-nätverket", "VIP-verkosto"]


@pytest.mark.parametrize(
    ("last_name", "shown"),
    [
        ("Ek, Åberg", "Anna Ek Åberg"),
        ("Ek;Åberg", "Anna Ek Åberg"),
        ("Ek & Åberg", "Anna Ek & Åberg"),
    ],
)
def test_to_name_never_contains_a_comma_or_semicolon(
    fake_sendgrid: FakeSendGrid, last_name: str, shown: str
) -> None:
    one = Batch(
        batch_id="b",
        compiled=compiled_variant(VARIANTS[0]),
        recipients=(recipient(1, last_name=last_name),),
    )
    outcomes = provider_for(fake_sendgrid).send_batch(one)
    assert outcomes[0].accepted
    (request,) = fake_sendgrid.requests
    assert request.body["personalizations"][0]["to"] == [
        {"email": recipient(1).email, "name": shown}
    ]
    # the letter itself still greets the person by their name as written
    assert request.body["personalizations"][0]["substitutions"]["%%t:last_name%%"] == last_name
