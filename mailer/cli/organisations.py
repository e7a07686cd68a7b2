"""`mailer organisations ...`: the register per organisation, and which ones have no working
VIPU contact (they must appoint a new one)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from mailer.cli.common import RegionOption, console, exit_on_error, open_context, print_json
from mailer.cli.users import actor
from mailer.core.models import Language
from mailer.core.regions import REGION_SHORT_NAMES, find_municipality
from mailer.core.register.organisations import Organisation
from mailer.pipeline.appointments.requests import RequestReport, list_requests, request_appointments
from mailer.pipeline.organisations import list_organisations
from mailer.pipeline.startup import Command

app = typer.Typer(help="Organisations and their VIPU contacts.", no_args_is_help=True)


def _municipality_name(code: str | None) -> str:
    found = find_municipality(code) if code else None
    return found.name_fi if found else (code or "")


def _as_json(org: Organisation) -> dict[str, Any]:
    return {
        **org.model_dump(mode="json", exclude={"members"}),
        "municipality_name": _municipality_name(org.municipality) or None,
        "has_active_contact": org.has_active_contact,
        "contacts": [m.model_dump(mode="json") for m in org.members],
    }


def _table(found: list[Organisation]) -> Table:
    table = Table(title=f"Organisations: {len(found)}", title_justify="left")
    for name in ("region", "organisation", "type", "municipality", "contacts", "active contact"):
        table.add_column(name, overflow="fold")
    for org in found:
        contacts = "\n".join(f"{m.name} <{m.email}> ({m.status.value})" for m in org.members)
        table.add_row(
            REGION_SHORT_NAMES[org.region][Language.FI],
            escape(org.name),
            org.org_type,
            escape(_municipality_name(org.municipality)),
            escape(contacts),
            "yes" if org.has_active_contact else "[bold red]NO[/]",
        )
    return table


@app.command("list")
def list_command(
    without_contact: Annotated[
        bool,
        typer.Option(
            "--without-contact", help="Only organisations with no active contact (must appoint)."
        ),
    ] = False,
    region: RegionOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Each organisation (municipality, private provider, training school) with its region, its
    contacts and their statuses, and whether it has an active contact."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        found = list_organisations(ctx, region=region, without_contact=without_contact)
    if as_json:
        print_json([_as_json(o) for o in found])
    else:
        console.print(_table(found))


def _request_table(report: RequestReport) -> Table:
    shown = report.to_request if report.dry_run else report.sent
    verb = "would ask" if report.dry_run else "asked"
    table = Table(title=f"Round {report.round}: {verb} {len(shown)}", title_justify="left")
    for name in ("region", "organisation", "address", "state"):
        table.add_column(name, overflow="fold")
    for item in shown:
        state = item.state.value + (f": {item.error}" if item.error else "")
        table.add_row(
            REGION_SHORT_NAMES[item.region][Language.FI],
            escape(item.organisation),
            escape(item.email),
            escape(state),
        )
    return table


@app.command("request-appointment")
def request_appointment_command(
    region: RegionOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show who would be asked; send nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Ask each organisation without an active contact, whose roster gave its own address
    (registry office), to appoint VIPU contacts through a signed link that ends in 30 days.
    Each organisation is asked once per month, however often this runs."""
    command = None if dry_run else Command.SEND
    with open_context(as_json, command) as ctx, exit_on_error(as_json):
        report = request_appointments(ctx, region=region, dry_run=dry_run, actor=actor())
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    console.print(_request_table(report))
    if report.without_address:
        console.print(
            f"[bold]No address, chase by hand ({len(report.without_address)}):[/] "
            + escape(", ".join(report.without_address))
        )
    if report.already_asked:
        console.print(f"Asked earlier this round: {len(report.already_asked)}")
    if report.requested_meanwhile:
        console.print(
            f"Already requested in this round by another run, not asked again "
            f"({len(report.requested_meanwhile)}): " + escape(", ".join(report.requested_meanwhile))
        )
    if report.underway:
        console.print(f"Appointee awaiting approval: {len(report.underway)}")


@app.command("requests")
def requests_command(
    region: RegionOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """The appointment requests sent, newest first, with their state."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        found = list_requests(ctx, region=region)
    if as_json:
        print_json(
            [
                {
                    "round": r.round,
                    "region": r.key.region.value,
                    "organisation": r.organisation,
                    "email": r.email,
                    "state": r.state.value,
                    "error": r.last_error,
                    "queued_at": r.queued_at.isoformat(),
                    "expires_at": r.expires_at.isoformat(),
                }
                for r in found
            ]
        )
        return
    table = Table(title=f"Appointment requests: {len(found)}", title_justify="left")
    for name in ("round", "region", "organisation", "address", "state", "link ends"):
        table.add_column(name, overflow="fold")
    for r in found:
        table.add_row(
            r.round,
            REGION_SHORT_NAMES[r.key.region][Language.FI],
            escape(r.organisation),
            escape(r.email),
            r.state.value,
            r.expires_at.astimezone(ctx.zone).strftime("%Y-%m-%d"),
        )
    console.print(table)
