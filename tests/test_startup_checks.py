"""Start-up refusals (mailer/pipeline/startup.py): with a real provider, `send`, `serve` and
`schedule run` refuse the development secret key, a short key and an http public URL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from mailer.cli import app
from mailer.config import Settings
from mailer.core.errors import ConfigError
from mailer.pipeline import Context
from mailer.pipeline.startup import Command, production_problems, refuse_unsafe_settings
from mailer.web.app import create_app

GOOD_KEY = "k" * 48
PRODUCTION: dict[str, Any] = {
    "provider": "sendgrid",
    "secret_key": SecretStr(GOOD_KEY),
    "public_url": "https://vipu.example",
}


def _problems(command: Command = Command.SEND, **update: Any) -> list[str]:
    settings = Settings().model_copy(update={**PRODUCTION, **update})
    return [str(problem) for problem in production_problems(settings, command)]


@pytest.mark.parametrize("command", list(Command))
def test_production_settings_pass(command: Command) -> None:
    assert _problems(command) == []


@pytest.mark.parametrize("command", list(Command))
def test_the_development_key_is_refused_with_a_real_provider(command: Command) -> None:
    dev = Settings().secret_key
    [problem] = _problems(command, secret_key=dev)
    assert problem.startswith("MAILER_SECRET_KEY: is the development value")
    assert "secrets.token_urlsafe(48)" in problem
    assert dev.get_secret_value() not in problem


@pytest.mark.parametrize("key", ["tiny-key", "x" * 31, "ä" * 15])
def test_a_key_under_32_bytes_is_refused(key: str) -> None:
    [problem] = _problems(secret_key=SecretStr(key))
    assert "MAILER_SECRET_KEY" in problem and "32 bytes" in problem
    assert key not in problem


def test_an_http_public_url_is_refused_with_a_real_provider() -> None:
    [problem] = _problems(Command.SCHEDULE_RUN, public_url="http://vipu.example")
    assert problem.startswith("MAILER_PUBLIC_URL") and "https" in problem


@pytest.mark.parametrize("command", list(Command))
def test_the_outbox_demo_needs_no_settings(command: Command) -> None:
    assert production_problems(Settings(), command) == []


def test_every_problem_is_listed_naming_the_first_variable() -> None:
    settings = Settings(provider="sendgrid")
    with pytest.raises(ConfigError) as caught:
        refuse_unsafe_settings(settings, Command.SERVE)
    assert caught.value.variable == "MAILER_SECRET_KEY"
    assert "MAILER_PUBLIC_URL" in str(caught.value)


def _cli(monkeypatch: pytest.MonkeyPatch, args: list[str], **env: str) -> tuple[int, str]:
    for name, value in env.items():
        monkeypatch.setenv(f"MAILER_{name}", value)
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stderr


@pytest.mark.parametrize("args", [["send", "2026-11"], ["serve"], ["schedule", "run", "--no-wait"]])
def test_the_commands_refuse_before_touching_anything(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, args: list[str]
) -> None:
    database = tmp_path / "never-created.db"
    code, err = _cli(
        monkeypatch,
        args,
        PROVIDER="sendgrid",
        SENDGRID_API_KEY="SG.test",
        DATABASE_URL=f"sqlite:///{database}",
    )
    assert code == 2
    assert "MAILER_SECRET_KEY" in err and "token_urlsafe" in err
    assert not database.exists()


def test_the_web_app_refuses_at_start_up(ctx: Context) -> None:
    unsafe = ctx.settings.model_copy(
        update={"provider": "sendgrid", "public_url": "http://x.example"}
    )
    web = create_app(unsafe, Context(unsafe, ctx.engine))

    async def start() -> None:
        async with web.router.lifespan_context(web):
            pass

    with pytest.raises(ConfigError, match="MAILER_PUBLIC_URL"):
        asyncio.run(start())
