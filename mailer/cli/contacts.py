"""`mailer contact ...`: one contact at a time (show, erase, reactivate)."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.markup import escape
from rich.table import Table

from mailer.cli.common import (
    EXIT_PROBLEMS,
    confirm_or_exit,
    console,
    exit_on_error,
    fail,
    open_context,
    print_json,
)
from mailer.cli.roster import plain_row
from mailer.pipeline.contacts import (
    Reactivation,
    contact_details,
    erase_contact,
    reactivate_contact,
    unsubscribe_contact,
)

app = typer.Typer(
    help="One contact: show, unsubscribe, reactivate, erase (GDPR).", no_args_is_help=True
)


@app.command("show")
def show(
    email: str = typer.Argument(..., help="The contact's email address."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """A contact's fields, status, provenance (file, line, import time) and history."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        details = contact_details(ctx, email)
    if as_json:
        print_json(details.model_dump(mode="json"))
        return
    zone = ctx.zone

    def shown(value: object) -> str:
        """Times in the zone people read (Helsinki, with its abbreviation), not UTC."""
        if isinstance(value, datetime):
            return f"{value.astimezone(zone):%Y-%m-%d %H:%M %Z}"
        return "" if value is None else str(value)

    fields = Table(show_header=False, title=escape(details.email), title_justify="left")
    fields.add_column("field")
    fields.add_column("value", overflow="fold")
    for name in (
        "first_name",
        "last_name",
        "organisation",
        "org_type",
        "municipality",
        "municipality_code",
        "region",
        "language",
        "role",
        "title",
        "status",
        "status_reason",
        "soft_streak",
        "missing_since",
        "created_at",
        "updated_at",
    ):
        plain_row(fields, name, shown(getattr(details, name)))
    console.print(fields)
    sources = Table(title="Provenance", title_justify="left")
    for name in ("file", "line", "imported at"):
        sources.add_column(name)
    for s in details.sources:
        plain_row(sources, s["source"], str(s["line"]), shown(s["imported_at"]))
    console.print(sources)
    history = Table(title="History", title_justify="left")
    for name in ("at", "kind", "from", "to", "note", "by", "source"):
        history.add_column(name, overflow="fold")
    for h in details.history:
        plain_row(
            history,
            *(
                shown(h[k])
                for k in ("at", "kind", "old_status", "new_status", "note", "actor", "source")
            ),
        )
    console.print(history)


@app.command("erase")
def erase(
    email: str = typer.Argument(..., help="The person's email address."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask (scripts)."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Erase a person's data (GDPR). Their ledger and event rows stay, anonymised; only counts
    and a keyed hash of the address are kept, so a later import names them instead of adding
    them back. Asks for confirmation on a terminal; --yes for scripts."""
    confirm_or_exit(f"Erase {email} for good (GDPR)? This cannot be undone.", yes=yes, err=as_json)
    with open_context(as_json) as ctx, exit_on_error(as_json):
        report = erase_contact(ctx, email)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    console.print(
        f"erased; kept anonymised: {report.deliveries} deliveries, {report.events} events "
        f"(region {report.region}). Remove them from the roster file too: the next import "
        "reports them as erased and does not add them back.",
        highlight=False,
        markup=False,
    )


@app.command("unsubscribe")
def unsubscribe(
    email: str = typer.Argument(..., help="The contact's email address."),
    note: str | None = typer.Option(None, "--note", help="Why (kept in the contact's history)."),
    by: str | None = typer.Option(None, "--by", help="Who decided."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Stop a contact's letters without erasing them (history kept; `reactivate` undoes it).
    Exit status 1 if already unsubscribed."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        changed = unsubscribe_contact(ctx, email, note=note, by=by)
    outcome = "unsubscribed" if changed else "already_unsubscribed"
    if as_json:
        print_json({"email": email, "outcome": outcome})
    else:
        console.print(outcome.replace("_", " "), highlight=False)
    if not changed:
        raise typer.Exit(EXIT_PROBLEMS)


@app.command("reactivate")
def reactivate(
    email: str = typer.Argument(..., help="The contact's email address."),
    note: str = typer.Option(..., "--note", help="Why (kept in the contact's history)."),
    by: str | None = typer.Option(None, "--by", help="Who decided."),
    force: bool = typer.Option(
        False, "--force", help="Also reactivate someone who reported the letter as spam."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Set a stale or unsubscribed contact active again. Exit status 1 if already active; 2
    (nothing changed) for a spam complainer without --force."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        outcome = reactivate_contact(ctx, email, note=note, by=by, force=force)
    if outcome is Reactivation.SPAM_COMPLAINT:
        fail(
            f"{email} reported the letter as spam: mailing them again risks the sender's "
            "reputation. Only with their explicit consent: add --force.",
            as_json,
        )
    if as_json:
        print_json({"email": email, "outcome": outcome.value})
    else:
        console.print(
            outcome.value.replace("_", " ")
            + (": nothing changed" * (outcome is Reactivation.ALREADY_ACTIVE)),
            highlight=False,
        )
    if outcome is Reactivation.ALREADY_ACTIVE:
        raise typer.Exit(EXIT_PROBLEMS)
