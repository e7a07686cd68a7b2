"""`mailer user ...`: workspace accounts (the first admin is made here, before anyone can log in).

Passwords never appear on the command line (shell history, `ps`): they are typed twice at a
prompt, or read from standard input with --password-stdin for scripts.
"""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from mailer.cli.common import (
    EXIT_ERROR,
    console,
    err_console,
    exit_on_error,
    open_context,
    print_json,
)
from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline import user_admin
from mailer.pipeline.accounts import Account, add_user, list_accounts, set_password
from mailer.pipeline.audit import cli_actor

__all__ = ["account_json", "actor", "app"]

app = typer.Typer(
    help="Workspace accounts: add or invite, list, disable or enable, set a role or a password.",
    no_args_is_help=True,
)

PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from standard input (one line)."),
]


def actor() -> str:
    """The audit log's name for whoever runs the command: the operating-system user."""
    try:
        return cli_actor(getpass.getuser())
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return cli_actor("unknown")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        err_console.print(
            "[bold red]error:[/] no terminal to ask for the password: use --password-stdin"
        )
        raise typer.Exit(EXIT_ERROR)
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def account_json(account: Account) -> dict[str, object]:
    return {
        "email": account.email,
        "name": account.display_name,
        "role": account.role.value,
        "language": account.ui_language.value,
        "active": account.active,
        "created_at": account.created_at.isoformat(timespec="seconds"),
        "password_changed_at": account.password_changed_at.isoformat(timespec="seconds"),
        "invited": not account.has_password,  # no password chosen yet
    }


@app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The person's email address (their login).")],
    *,
    role: Annotated[UserRole, typer.Option("--role", help="What the account may do.")],
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    language: Annotated[
        UiLanguage, typer.Option("--language", help="The workspace's language for this user.")
    ] = UiLanguage.FI,
    password_stdin: PasswordStdin = False,
    invite: Annotated[
        bool,
        typer.Option(
            "--invite",
            help="No password here: mail the person a link to choose their own "
            "(valid MAILER_CONFIRMATION_LINK_HOURS).",
        ),
    ] = False,
) -> None:
    """Add an account (at least 12 characters of password), or --invite its user by mail."""
    if invite:
        _invite(email, role, name, language)
        return
    password = _password(password_stdin)
    with open_context() as ctx, exit_on_error():
        account = add_user(
            ctx,
            email=email,
            role=role,
            password=password,
            actor=actor(),
            display_name=name,
            ui_language=language,
        )
    console.print(f"added {account.email} ({account.role.value})", highlight=False)


def _invite(email: str, role: UserRole, name: str | None, language: UiLanguage) -> None:
    with open_context() as ctx, exit_on_error():
        account, sent = user_admin.invite(
            ctx,
            email=email,
            role=role,
            display_name=name or "",
            ui_language=language,
            actor=actor(),
        )
    if sent.error is not None:
        err_console.print(
            f"[bold red]error:[/] added {account.email}, but the invitation was not sent: "
            f"{sent.error}; try again with the workspace's /users page or set-password",
            highlight=False,
        )
        raise typer.Exit(EXIT_ERROR)
    console.print(f"invited {account.email} ({account.role.value})", highlight=False)


@app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Every account, active or not."""
    with open_context() as ctx, exit_on_error():
        accounts = list_accounts(ctx)
    if as_json:
        print_json([account_json(a) for a in accounts])
        return
    table = Table("name", "role", "language", "active", "created")
    # The email is the login: never cut short with an ellipsis (folded onto lines instead).
    table.add_column("email", overflow="fold")
    for a in accounts:
        table.add_row(
            a.display_name,
            a.role.value,
            a.ui_language.value,
            "yes" if a.active else "no",
            a.created_at.astimezone(ctx.zone).strftime("%Y-%m-%d"),
            a.email,
        )
    console.print(table)


@app.command("disable")
def disable(email: Annotated[str, typer.Argument(help="The account's email.")]) -> None:
    """Disable an account; its sessions end at once. Accounts are never deleted (audit log)."""
    with open_context() as ctx, exit_on_error():
        account = user_admin.disable(ctx, email, actor=actor())
    console.print(f"disabled {account.email}", highlight=False)


@app.command("enable")
def enable(email: Annotated[str, typer.Argument(help="The account's email.")]) -> None:
    """Enable a disabled account again (its old password works again)."""
    with open_context() as ctx, exit_on_error():
        account = user_admin.enable(ctx, email, actor=actor())
    console.print(f"enabled {account.email}", highlight=False)


@app.command("set-role")
def set_role(
    email: Annotated[str, typer.Argument(help="The account's email.")],
    role: Annotated[UserRole, typer.Option("--role", help="What the account may do.")],
) -> None:
    """Change what an account may do (the workspace keeps at least one active admin)."""
    with open_context() as ctx, exit_on_error():
        account = user_admin.set_role(ctx, email, role, actor=actor())
    console.print(f"{account.email} is now {account.role.value}", highlight=False)


@app.command("set-password")
def set_password_command(
    email: Annotated[str, typer.Argument(help="The account's email.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a new password; the account's sessions end."""
    password = _password(password_stdin)
    with open_context() as ctx, exit_on_error():
        account = set_password(ctx, email, password, actor=actor())
    console.print(f"password set for {account.email}", highlight=False)
