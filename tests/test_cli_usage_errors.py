"""Click's own usage errors through the real console-script entry point (`mailer.cli.main`):
JSON on stdout under --json, click's text on stderr otherwise, exit status 2 either way."""

from __future__ import annotations

import json

import pytest

from mailer.cli import main


def test_a_bad_option_value_under_json_is_a_json_error_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["organisations", "list", "--region", "lapland", "--json"])
    assert stopped.value.code == 2
    out = capsys.readouterr().out
    error = json.loads(out)
    assert (error["kind"], error["exit_status"]) == ("usage", 2)
    assert "lapland" in error["error"]


def test_an_unknown_option_under_json_is_a_json_error_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["roster", "list", "--json", "--colour"])
    assert stopped.value.code == 2
    assert "--colour" in json.loads(capsys.readouterr().out)["error"]


def test_without_json_the_usage_error_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["organisations", "list", "--region", "lapland"])
    assert stopped.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "lapland" in captured.err


def test_a_successful_command_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.startswith("mailer (vipu-mailer) ")
