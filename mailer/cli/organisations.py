"""`mailer organisations ...`: the register per organisation, and which ones have no working
VIPU contact (they must appoint a new one)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from mailer.cli.common import RegionOption, console, exit_on_error, open_context, print_json
from mailer.core.models import Language
from mailer.core.regions import REGION_SHORT_NAMES, find_municipality
from mailer.core.register.organisations import Organisation
from mailer.pipeline.organisations import list_organisations

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
