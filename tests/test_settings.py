"""Every setting: documented, read from its variable, and a bad value reported as one line that
names the variable (never a traceback). mailer.toml: syntax errors and misspelt keys name the
file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailer.cli import app
from mailer.config import BouncePolicySettings, Settings, load_settings
from mailer.core.errors import ConfigError

README = Path(__file__).resolve().parent.parent / "README.md"

# variable -> (a valid value as written in the environment, what the setting then holds
# (compared as str), a bad value or None when every string is valid)
SAMPLES: dict[str, tuple[str, str, str | None]] = {
    "MAILER_DATABASE_URL": ("sqlite:///x.db", "sqlite:///x.db", None),
    "MAILER_TIMEZONE": ("Europe/Stockholm", "Europe/Stockholm", "Mars/Olympus"),
    "MAILER_VAR_DIR": ("v", "v", None),
    "MAILER_LETTERS_DIR": ("l", "l", None),
    "MAILER_TEMPLATES_DIR": ("t", "t", None),
    "MAILER_RECIPIENTS_DIR": ("r", "r", None),
    "MAILER_SCHEDULES_DIR": ("s", "s", None),
    "MAILER_PROVIDER": ("sendgrid", "sendgrid", "smtp"),
    "MAILER_SENDGRID_API_KEY": ("SG.x", "**********", None),
    "MAILER_SENDGRID_HOST": ("http://127.0.0.1:9/", "http://127.0.0.1:9", "ftp://x"),
    "MAILER_SENDGRID_TIMEOUT": ("5", "5.0", "0"),
    "MAILER_SENDGRID_ASM_GROUP_ID": ("42", "42", "group"),
    "MAILER_SENDGRID_SANDBOX": ("true", "True", "maybe"),
    "MAILER_BATCH_SIZE": ("500", "500", "1001"),
    "MAILER_FROM_EMAIL": ("a@b.example", "a@b.example", None),
    "MAILER_FROM_NAME": ("VIP", "VIP", None),
    "MAILER_REPLY_TO": ("r@b.example", "r@b.example", None),
    "MAILER_SENDER_ADDRESS": ("PL 2", "PL 2", None),
    "MAILER_FROM_NAME_SV": ("VIP-nätverket", "VIP-nätverket", None),
    "MAILER_SENDER_ADDRESS_SV": ("PB 2", "PB 2", None),
    "MAILER_LIST_ID": ("Brev <brev.vip.example>", "Brev <brev.vip.example>", "no brackets"),
    "MAILER_SENDGRID_FEEDBACK_ID": ("{edition}:vipu", "{edition}:vipu", "{name}"),
    "MAILER_SENDGRID_OPEN_TRACKING": ("true", "True", "sometimes"),
    "MAILER_SENDGRID_CLICK_TRACKING": ("false", "False", "sometimes"),
    "MAILER_PUBLIC_URL": ("https://m.example/", "https://m.example", "m.example"),
    "MAILER_UNSUBSCRIBE_MAILTO": ("u@b.example", "u@b.example", None),
    "MAILER_SECRET_KEY": ("k" * 40, "**********", None),
    "MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY": ("abc", "abc", None),
    "MAILER_WEBHOOK_UNSIGNED_DEV": ("1", "True", "perhaps"),
    "MAILER_WEBHOOK_REPLAY_WINDOW": ("60", "60", "0"),
    "MAILER_WEBHOOK_MAX_BODY": ("2048", "2048", "10"),
    "MAILER_INBOUND_SECRET": ("s" * 20, "**********", None),
    "MAILER_INBOUND_MAX_BODY": ("2048", "2048", "10"),
    "MAILER_SUCCESSOR_AUTO_APPROVE": ("true", "True", "maybe"),
    "MAILER_CONFIRMATION_LINK_HOURS": ("48", "48", "0"),
    "MAILER_ROSTER_MAX_UPLOAD": ("1048576", "1048576", "10"),
    "MAILER_MEDIA_MAX_UPLOAD": ("1048576", "1048576", "10"),
    "MAILER_SESSION_IDLE_MINUTES": ("15", "15", "0"),
    "MAILER_SESSION_MAX_HOURS": ("8", "8", "0"),
    "MAILER_APPROVAL_SINGLE_PERSON": ("true", "True", "maybe"),
    "MAILER_MISSING_FROM_ROSTER": ("pause", "pause", "delete"),
    "MAILER_COORDINATOR_EMAILS": ("anna@x.fi, bo@y.fi", "['anna@x.fi', 'bo@y.fi']", "anna"),
    "MAILER_POLICY_SOFT_EDITIONS_TO_STALE": ("2", "2", "0"),
    "MAILER_POLICY_SOFT_EDITIONS_TO_SUSPECT": ("2", "2", "0"),
    "MAILER_POLICY_DEFERRAL_GIVE_UP_HOURS": ("24", "24", "-1"),
    "MAILER_POLICY_HARD_DROPPED_REASONS": ("Bounced Address", "['Bounced Address']", "[x"),
    "MAILER_POLICY_UNSUBSCRIBED_DROPPED_REASONS": ("A, B", "['A', 'B']", '["a",'),
    "MAILER_POLICY_OUR_SIDE_CLASSIFICATIONS": ('["Content"]', "['Content']", "[1,"),
}


def _variables() -> list[str]:
    names = [f"MAILER_{n.upper()}" for n in Settings.model_fields if n != "policy"]
    return names + [f"MAILER_POLICY_{n.upper()}" for n in BouncePolicySettings.model_fields]


def _value(settings: Settings, variable: str) -> str:
    if variable.startswith("MAILER_POLICY_"):
        return str(getattr(settings.policy, variable.removeprefix("MAILER_POLICY_").lower()))
    return str(getattr(settings, variable.removeprefix("MAILER_").lower()))


@pytest.fixture(autouse=True)
def _in_empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no mailer.toml around unless a test writes one


def test_the_samples_cover_every_setting() -> None:
    assert sorted(SAMPLES) == sorted(_variables())


@pytest.mark.parametrize("variable", _variables())
def test_every_setting_is_in_the_readme_table(variable: str) -> None:
    assert f"| `{variable}` |" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("variable", _variables())
def test_every_setting_is_read_from_its_variable(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, expected, _ = SAMPLES[variable]
    monkeypatch.setenv(variable, text)
    assert _value(load_settings(), variable) == expected


@pytest.mark.parametrize("variable", [v for v in _variables() if SAMPLES.get(v, ("", "", None))[2]])
def test_a_bad_value_is_one_line_naming_its_variable(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = SAMPLES[variable][2]
    assert bad is not None
    monkeypatch.setenv(variable, bad)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ") and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MAILER_COORDINATOR_EMAILS", "anna@x.fi"),
     ("MAILER_POLICY_HARD_DROPPED_REASONS", "Bounced Address"),
     ("MAILER_POLICY_SOFT_EDITIONS_TO_STALE", "0"),
     ("MAILER_BATCH_SIZE", "many")],
)  # fmt: skip
def test_the_command_line_shows_a_bad_setting_in_one_line_without_a_traceback(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MAILER_DATABASE_URL", f"sqlite:///{tmp_path}/m.db")
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["schedule", "check"])
    assert "Traceback" not in result.output
    if variable in ("MAILER_COORDINATOR_EMAILS", "MAILER_POLICY_HARD_DROPPED_REASONS"):
        assert "configuration error" not in result.stderr
    else:
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and variable in result.stderr


def test_a_secret_value_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILER_DATABASE_URL", "postgresql://u:hunter2@h/db")
    monkeypatch.setenv("MAILER_BATCH_SIZE", "0")
    monkeypatch.setenv("MAILER_TIMEZONE", "hunter2")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "hunter2" in str(caught.value) or "more problem" in str(caught.value)
    monkeypatch.delenv("MAILER_TIMEZONE")
    monkeypatch.setenv("MAILER_DATABASE_URL", "postgresql://u:hunter2@h/db")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "hunter2" not in str(caught.value)


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "mailer.toml").write_text('provider = "outbox"\nbatch_size = \n', "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith("mailer.toml line 2: not valid TOML")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("toml", "message"),
    [('databse_url = "sqlite:///x.db"\n',
      "mailer.toml line 1: unknown setting 'databse_url' (did you mean database_url?)"),
     ('provider = "outbox"\n[policy]\nsoft_editions_to_stal = 2\n',
      "mailer.toml line 3: unknown setting 'policy.soft_editions_to_stal' "
      "(did you mean policy.soft_editions_to_stale?)")],
)  # fmt: skip
def test_a_misspelt_toml_key_is_an_error_naming_it(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "mailer.toml").write_text(toml, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == message


def test_a_bad_toml_value_names_the_variable_and_the_toml_key(tmp_path: Path) -> None:
    (tmp_path / "mailer.toml").write_text("[policy]\nsoft_editions_to_stale = 0\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.variable == (
        "MAILER_POLICY_SOFT_EDITIONS_TO_STALE (policy.soft_editions_to_stale in mailer.toml)"
    )


def test_toml_values_are_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mailer.toml").write_text(
        'from_name = "Toml"\nbatch_size = 10\n[policy]\nsoft_editions_to_stale = 5\n', "utf-8"
    )
    monkeypatch.setenv("MAILER_BATCH_SIZE", "20")
    settings = load_settings()
    assert (settings.from_name, settings.batch_size) == ("Toml", 20)
    assert settings.policy.soft_editions_to_stale == 5


@pytest.mark.parametrize(
    ("variable", "message"),
    [("MAILER_PROVIDR", "MAILER_PROVIDR: unknown setting (did you mean MAILER_PROVIDER?)"),
     ("MAILER_SECRET_KEYS",
      "MAILER_SECRET_KEYS: unknown setting (did you mean MAILER_SECRET_KEY?)"),
     ("MAILER_POLICY_SOFT_EDITION_TO_STALE",
      "MAILER_POLICY_SOFT_EDITION_TO_STALE: unknown setting "
      "(did you mean MAILER_POLICY_SOFT_EDITIONS_TO_STALE?)")],
)  # fmt: skip
def test_a_misspelt_environment_variable_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, message: str
) -> None:
    monkeypatch.setenv(variable, "sendgrid")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == message


def test_the_test_suites_own_variables_are_not_settings_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILER_TEST_POSTGRES_URL", "postgresql+psycopg://db.example/x")
    monkeypatch.setenv("MAILER_POLICY_SOFT_EDITIONS_TO_STALE", "4")
    assert load_settings().policy.soft_editions_to_stale == 4


def test_a_misspelt_variable_stops_the_cli_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILER_DATABSE_URL", f"sqlite:///{tmp_path}/x.db")
    result = CliRunner().invoke(app, ["user", "list"])
    assert result.exit_code != 0
    assert (
        "MAILER_DATABSE_URL: unknown setting (did you mean MAILER_DATABASE_URL?)" in result.output
    )
    assert "Traceback" not in result.output
