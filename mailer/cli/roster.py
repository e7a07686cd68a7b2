"""`mailer roster ...`: import and list contact rosters."""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from mailer.cli.common import (
    EXIT_ERROR,
    EXIT_PROBLEMS,
    LanguageOption,
    RegionOption,
    console,
    err_console,
    exit_on_error,
    fail,
    open_context,
    print_json,
)
from mailer.config import MissingFromRoster
from mailer.core.models import ContactStatus
from mailer.core.reports.csv_export import neutralise
from mailer.core.roster.rows import RosterProblem
from mailer.pipeline.contacts import ContactListing, list_contacts
from mailer.pipeline.roster import ImportReport, import_rosters

app = typer.Typer(help="Contact rosters: import and list.", no_args_is_help=True)

SHOWN_PROBLEMS = 200  # the table stops here; --json has them all

CSV_COLUMNS = (
    "email",
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
    "missing_since",
)
# A spreadsheet runs a cell starting with = + - @ (or a tab / CR hiding one) as a formula:
# OWASP "CSV Injection". Roster values come from outside, so such cells get an apostrophe.


def plain_row(table: Table, *cells: str) -> None:
    """Add a row of values from rosters or the register as plain text: a `[...]` in a name or
    an address is data, not rich markup."""
    table.add_row(*(escape(cell) for cell in cells))


def _problem_table(title: str, problems: list[RosterProblem]) -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("file", "line", "column", "reason"):
        table.add_column(name, overflow="fold")
    for p in problems[:SHOWN_PROBLEMS]:
        plain_row(table, p.file, "" if p.line is None else str(p.line), p.column or "", p.reason)
    return table


def _show_report(report: ImportReport) -> None:
    console.print(_files_table(report))
    for title, items in (
        ("Problems (rows not imported)", report.problems),
        ("Erased before (not imported)", report.erased),
        ("Warnings (rows imported)", report.warnings),
    ):
        if items:
            console.print(_problem_table(f"{title}: {len(items)}", items))
            if len(items) > SHOWN_PROBLEMS:
                console.print(f"... and {len(items) - SHOWN_PROBLEMS} more (see --json)")
    for table in (_conflicts_table(report), _left_file_table(report)):
        if table is not None:
            console.print(table)
    _show_changes(report)
    _show_missing(report)
    _show_summary(report)


def _files_table(report: ImportReport) -> Table:
    files = Table(title="Roster files", title_justify="left")
    for name in ("file", "format", "lines", "rows", "accepted", "rejected", "blank"):
        files.add_column(name, justify="left" if name in ("file", "format") else "right")
    for f in report.files:
        fmt = "unreadable"
        if f.readable:
            fmt = f.format or ""
            if f.encoding:
                fmt += f" {f.encoding} {f.delimiter!r}"
        plain_row(
            files,
            f.file,
            fmt,
            str(f.lines),
            str(f.rows),
            str(f.accepted),
            str(f.rejected),
            str(f.blank_lines),
        )
    return files


def _conflicts_table(report: ImportReport) -> Table | None:
    if not report.conflicts:
        return None
    table = Table(title=f"Merge conflicts: {len(report.conflicts)}", title_justify="left")
    for name in ("email", "field", "kept", "from", "other", "from "):
        table.add_column(name, overflow="fold")
    for c in report.conflicts[:SHOWN_PROBLEMS]:
        kept, other = c["kept_from"], c["other_from"]
        plain_row(
            table,
            c["email"],
            c["field"],
            str(c["kept"]),
            f"{kept['file']}:{kept['line']}",
            str(c["other"]),
            f"{other['file']}:{other['line']}",
        )
    return table


def _left_file_table(report: ImportReport) -> Table | None:
    if not report.left_file:
        return None
    title = f"Left a file, still named by another: {len(report.left_file)}"
    table = Table(title=title, title_justify="left")
    for name in ("email", "left", "still in"):
        table.add_column(name)
    for m in report.left_file[:SHOWN_PROBLEMS]:
        plain_row(table, m.email, ", ".join(m.sources), ", ".join(m.still_in))
    return table


def _more(shown: int, total: int) -> None:
    if total > shown:
        console.print(f"... and {total - shown} more (see --json)")


def _show_changes(report: ImportReport) -> None:
    """Who was created and who updated, with each changed field as before -> now."""
    if report.created_contacts:
        table = Table(title=f"Created: {report.created}", title_justify="left")
        for name in ("email", "name", "from"):
            table.add_column(name)
        for c in report.created_contacts[:SHOWN_PROBLEMS]:
            plain_row(table, c.email, c.name, f"{c.file}:{c.line}")
        console.print(table)
        _more(SHOWN_PROBLEMS, len(report.created_contacts))
    if report.updated_contacts:
        table = Table(title=f"Updated: {report.updated}", title_justify="left")
        for name in ("email", "changes"):
            table.add_column(name)
        for u in report.updated_contacts[:SHOWN_PROBLEMS]:
            changes = "; ".join(
                f"{field}: {old or '—'} → {new or '—'}" for field, (old, new) in u.changes.items()
            )
            plain_row(table, u.email, changes)
        console.print(table)
        _more(SHOWN_PROBLEMS, len(report.updated_contacts))


def _show_missing(report: ImportReport) -> None:
    if not report.missing_contacts:
        return
    table = Table(title=f"Missing from roster: {report.missing}", title_justify="left")
    for name in ("email", "previously in", "new", "receives letters"):
        table.add_column(name)
    for m in report.missing_contacts[:SHOWN_PROBLEMS]:
        plain_row(
            table,
            m.email,
            ", ".join(m.sources),
            "yes" if m.newly_missing else "",
            "yes" if m.receives_letters else "no (paused)",
        )
    console.print(table)
    _more(SHOWN_PROBLEMS, len(report.missing_contacts))
    if report.missing_policy == MissingFromRoster.KEEP.value:
        text = (
            "They still receive letters (MAILER_MISSING_FROM_ROSTER=keep). To stop one: "
            "`mailer contact unsubscribe EMAIL --note WHY`; to pause everyone missing: "
            "MAILER_MISSING_FROM_ROSTER=pause; to delete a person: `mailer contact erase EMAIL`."
        )
    else:
        text = (
            "They receive no letters while missing (MAILER_MISSING_FROM_ROSTER=pause); a roster "
            "that lists them again resumes their letters."
        )
    console.print(text, highlight=False, markup=False)


def _show_summary(report: ImportReport) -> None:
    verb = "would be " if report.dry_run else ""
    console.print(
        f"{'[dry run] ' if report.dry_run else ''}rows {report.rows}: accepted "
        f"{report.accepted}, rejected {report.rejected}; contacts {verb}created "
        f"{report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"missing {report.missing}",
        highlight=False,
        markup=False,
    )


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Roster files (.csv, .xlsx).")],
    dry_run: bool = typer.Option(False, "--dry-run", help="Report only; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    allow_erased: bool = typer.Option(
        False, "--allow-erased", help="Add people again who were erased earlier."
    ),
) -> None:
    """Import roster files into the contact register (one transaction for all files).

    Exit status 1 when any row was rejected (or is a person erased earlier), 2 when a file
    could not be read at all (the other files are still imported)."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        report = import_rosters(ctx, files, dry_run=dry_run, allow_erased=allow_erased)
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        _show_report(report)
    if report.unreadable:
        err_console.print(f"[bold red]unreadable:[/] {escape(', '.join(report.unreadable))}")
        raise typer.Exit(EXIT_ERROR)
    if report.rejected or report.erased:
        raise typer.Exit(EXIT_PROBLEMS)


def _write_csv(contacts: list[ContactListing], zone: ZoneInfo) -> None:
    # `;` and a BOM: what Excel in a Finnish or Swedish locale opens straight into columns.
    # Times as ISO 8601 in Helsinki time with their offset (2026-11-27T12:00:00+02:00).
    sys.stdout.write("\ufeff")
    writer = csv.writer(sys.stdout, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for contact in contacts:
        data = contact.model_dump()
        writer.writerow(
            [
                neutralise(v.astimezone(zone) if isinstance(v, datetime) else v)
                for v in (data[name] for name in CSV_COLUMNS)
            ]
        )


@app.command("list")
def list_(
    region: RegionOption = None,
    language: LanguageOption = None,
    status: Annotated[
        ContactStatus | None, typer.Option("--status", help="Only this status.")
    ] = None,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV (safe for spreadsheets)."),
) -> None:
    """List the contact register."""
    if as_json and as_csv:
        fail("choose one of --json and --csv", as_json)
    with open_context(as_json) as ctx, exit_on_error(as_json):
        contacts = list_contacts(ctx, region=region, language=language, status=status)
    if as_json:
        print_json([c.model_dump(mode="json") for c in contacts])
        return
    if as_csv:
        _write_csv(contacts, ctx.zone)
        return
    table = Table(title=f"Contacts: {len(contacts)}", title_justify="left")
    for name in ("email", "name", "organisation", "municipality", "region", "lang", "role"):
        table.add_column(name, overflow="fold")
    table.add_column("status")
    for c in contacts:
        plain_row(
            table,
            c.email,
            f"{c.first_name} {c.last_name}",
            c.organisation,
            c.municipality or "",
            c.region,
            c.language,
            f"{c.role}: {c.title}" if c.title else c.role,
            c.status + (" (missing from roster)" if c.missing_since else ""),
        )
    console.print(table)
