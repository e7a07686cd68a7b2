"""`mailer user ...` and `mailer audit list` through the real Typer app, on both backends."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailer.cli import app
from tests.accounts_support import PASSWORD, cheap_hashing

__all__ = ["cheap_hashing"]

pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    monkeypatch.setenv("MAILER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("USER", "pirjo")
    monkeypatch.setenv("LOGNAME", "pirjo")
    return db_url


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def add(email: str, role: str, *extra: str, password: str = PASSWORD) -> tuple[int, str, str]:
    return run("user", "add", email, "--role", role, *extra, "--password-stdin",
               stdin=password + "\n")  # fmt: skip


def users() -> list[dict[str, object]]:
    code, out, _ = run("user", "list", "--json")
    assert code == 0
    listed: list[dict[str, object]] = json.loads(out)
    return listed


def test_add_list_disable_and_set_password(env: str) -> None:
    assert add("Aino@VIP.example", "admin", "--name", "Aino Aalto") == (
        0, "added aino@vip.example (admin)\n", "",
    )  # fmt: skip
    assert add("bo@vip.example", "approver", "--language", "sv")[0] == 0
    listed = users()
    assert [(u["email"], u["name"], u["role"], u["language"], u["active"]) for u in listed] == [
        ("aino@vip.example", "Aino Aalto", "admin", "fi", True),
        ("bo@vip.example", "bo", "approver", "sv", True),
    ]
    assert "password" not in json.dumps(listed).replace("password_changed_at", "")
    assert run("user", "disable", "bo@vip.example")[0] == 0
    assert users()[1]["active"] is False
    code, out, _ = run(
        "user", "set-password", "aino@vip.example", "--password-stdin", stdin="Uusi-salasana-77\n"
    )
    assert (code, out) == (0, "password set for aino@vip.example\n")
    code, out, _ = run("user", "list")
    assert code == 0 and "aino@vip.example" in out and "approver" in out


def test_a_short_password_is_refused_with_the_rule(env: str) -> None:
    code, _, err = add("aino@vip.example", "admin", password="lyhyt")
    assert code == 2
    assert "password: use at least 12 characters" in err
    assert users() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("user", "disable", "ghost@vip.example"), "no user 'ghost@vip.example'"),
        (("user", "add", "x@vip.example", "--role", "boss", "--password-stdin"), "boss"),
    ],
)
def test_unknown_users_and_roles_are_clear_errors(
    env: str, args: tuple[str, ...], message: str
) -> None:
    code, _, err = run(*args, stdin=PASSWORD + "\n")
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_duplicate_is_refused(env: str) -> None:
    assert add("aino@vip.example", "admin")[0] == 0
    code, _, err = add("AINO@vip.example", "coordinator")
    assert code == 2 and "already exists" in err


def test_without_a_terminal_the_password_must_come_from_stdin(env: str) -> None:
    code, _, err = run("user", "add", "aino@vip.example", "--role", "admin", stdin="")
    assert code == 2 and "--password-stdin" in err


def test_the_audit_log_names_the_os_user_and_exports_json_and_safe_csv(env: str) -> None:
    add("aino@vip.example", "coordinator", "--name", "=cmd|' /C calc'!A0")
    run("user", "disable", "aino@vip.example")
    code, out, _ = run("audit", "list", "--json")
    assert code == 0
    entries = json.loads(out)
    assert [(e["actor"], e["action"], e["target"]) for e in entries] == [
        ("cli:pirjo", "user_disabled", "aino@vip.example"),
        ("cli:pirjo", "user_added", "aino@vip.example"),
    ]
    code, out, _ = run("audit", "list", "--csv", "--action", "user_added")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["at", "actor", "action", "target", "detail"]
    assert [r[2] for r in rows[1:]] == ["user_added"]
    code, out, _ = run("audit", "list")
    assert code == 0 and "user_disabled" in out
    assert run("audit", "list", "--json", "--csv")[0] == 2


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(env: str) -> None:
    add("aino@vip.example", "admin")
    code, _, err = run("user", "disable", "aino@vip.example")
    assert code != 0 and "at least one active admin" in err
    code, _, err = run("user", "set-role", "aino@vip.example", "--role", "approver")
    assert code != 0 and "at least one active admin" in err
    add("bo@vip.example", "admin")
    assert run("user", "set-role", "aino@vip.example", "--role", "approver")[0] == 0
    assert {(u["email"], u["role"], u["active"]) for u in users()} == {
        ("aino@vip.example", "approver", True),
        ("bo@vip.example", "admin", True),
    }


def test_a_disabled_account_is_enabled_again_and_logged(env: str) -> None:
    add("aino@vip.example", "coordinator")
    assert run("user", "disable", "aino@vip.example")[0] == 0
    assert [u["active"] for u in users()] == [False]
    code, out, _ = run("user", "enable", "aino@vip.example")
    assert code == 0 and "enabled aino@vip.example" in out
    assert [u["active"] for u in users()] == [True]
    actions = [e["action"] for e in json.loads(run("audit", "list", "--json")[1])]
    assert actions[:2] == ["user_enabled", "user_disabled"]


def test_an_invited_user_gets_a_link_to_choose_a_password_in_their_language(
    env: str, tmp_path: Path
) -> None:
    code, out, err = run(
        "user", "add", "cai@vip.example", "--role", "coordinator", "--invite", "--language", "sv"
    )
    assert (code, err) == (0, "")
    assert "invited cai@vip.example" in out
    letters = list((tmp_path / "var" / "outbox" / "workspace").rglob("*.eml"))
    assert len(letters) == 1
    mail = email.message_from_bytes(letters[0].read_bytes(), policy=email.policy.default)
    assert mail["To"].addresses[0].addr_spec == "cai@vip.example"
    assert mail["Subject"] == "Välkommen till VIPU-brevets arbetsyta"  # the account's language
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and "/password/" in body.get_content()
    code, out, _ = run("audit", "list", "--json")
    assert [(e["action"], e["detail"]) for e in json.loads(out)[:1]] == [
        ("password_link_sent", "invite link sent")
    ]
