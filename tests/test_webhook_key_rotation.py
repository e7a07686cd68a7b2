"""MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY takes several keys, comma-separated: while SendGrid rotates
its verification key, bodies signed with the old or the new key are both accepted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from mailer.config import Settings
from mailer.core.errors import ConfigError
from mailer.pipeline import Context
from mailer.providers.sendgrid.signature import generate_key_pair
from mailer.web.app import check_webhook_config, create_app
from tests.fakes.webhook_client import PRIVATE_KEY, PUBLIC_KEY, InProcessClient, post_events
from tests.fakes.webhook_client import sg_event as event

NEW_PRIVATE, NEW_PUBLIC = generate_key_pair()
OTHER_PRIVATE, _OTHER_PUBLIC = generate_key_pair()


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[InProcessClient]:
    both = settings.model_copy(
        update={"sendgrid_webhook_public_key": f"{PUBLIC_KEY},\n {NEW_PUBLIC} "}
    )
    check_webhook_config(both)
    with InProcessClient(create_app(both, Context(both, engine))) as test_client:
        yield test_client


def test_bodies_signed_with_the_old_or_the_new_key_are_both_accepted(
    client: InProcessClient,
) -> None:
    old = post_events(client, [event("delivered", "a@koulu.example")], key=PRIVATE_KEY)
    new = post_events(client, [event("delivered", "b@koulu.example")], key=NEW_PRIVATE)
    assert (old.status_code, new.status_code) == (200, 200)


def test_a_key_outside_the_list_is_still_refused(client: InProcessClient) -> None:
    forged = post_events(client, [event("bounce", "a@koulu.example")], key=OTHER_PRIVATE)
    assert forged.status_code == 403


def test_a_bad_key_in_the_list_is_refused_at_start_up_naming_which(settings: Settings) -> None:
    broken = settings.model_copy(update={"sendgrid_webhook_public_key": f"{PUBLIC_KEY},not-a-key"})
    with pytest.raises(ConfigError, match="MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY: key 2 of 2"):
        check_webhook_config(broken)
