"""`mailer report ...`: bounce and edition reports."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from mailer.cli.common import (
    EXIT_ERROR,
    RegionOption,
    console,
    err_console,
    exit_on_error,
    month_argument,
    open_context,
    print_json,
)
from mailer.core.edition.dates import is_month
from mailer.core.models import Language
from mailer.core.regions import REGION_SHORT_NAMES
from mailer.core.reports.csv_export import bounce_report_csv, edition_report_csv
from mailer.pipeline.pages import bounce_report_html
from mailer.pipeline.reports import BounceReport, ContactEntry, EditionReport
from mailer.pipeline.reports import bounce_report as build_bounce_report
from mailer.pipeline.reports import edition_report as build_edition_report

app = typer.Typer(
    help="Reports: bounces per region, an edition's delivery figures.", no_args_is_help=True
)


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    HTML = "html"


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(EXIT_ERROR)


def _since(value: str | None, zone: object) -> datetime | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as err:
        raise _fail(f"--since {value!r}: expected a date YYYY-MM-DD") from err
    return datetime.combine(day, time(0), tzinfo=zone)  # type: ignore[arg-type]


def _evidence_text(entry: ContactEntry) -> str:
    if not entry.evidence:
        return entry.status_reason or "no events recorded"
    e = entry.evidence[0]
    parts = [e.event_type, e.bounce_type, e.status, e.occurred_at.date().isoformat(), e.reason]
    return " ".join(p for p in parts if p)


def print_bounce_tables(report: BounceReport, out: Console) -> None:
    for section in report.regions:
        name = REGION_SHORT_NAMES[section.region][Language.FI]
        rows = [*section.stale, *section.suspect]
        table = Table(title=f"{name}: {len(section.stale)} stale, {len(section.suspect)} suspect")
        for column in ("status", "organisation", "contact", "role", "last good", "evidence"):
            table.add_column(column, overflow="fold")
        for c in rows:
            last = c.last_delivered_at.date().isoformat() if c.last_delivered_at else "never"
            table.add_row(
                c.verdict, c.organisation, f"{c.name} <{c.email}>", c.role, last, _evidence_text(c)
            )
        if rows:
            out.print(table)
        if section.without_active_contact:
            gaps = Table(title=f"{name}: organisations without an active contact")
            gaps.add_column("organisation")
            gaps.add_column("contacts it had", overflow="fold")
            for g in section.without_active_contact:
                gaps.add_row(g.organisation, "\n".join(g.contacts))
            out.print(gaps)
    totals = report.totals
    out.print(
        f"stale {totals['stale']}, suspect {totals['suspect']}, organisations without an active "
        f"contact {totals['without_active_contact']}",
        highlight=False,
    )


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise _fail(f"cannot write {path}: {err.strerror}") from err


@app.command("bounces")
def bounces(
    region: RegionOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only news since this date (YYYY-MM-DD).")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.TABLE,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
) -> None:
    """Stale and suspect contacts per region with the evidence, and the organisations that must
    appoint a new VIPU contact. `--format html` writes the admin page as a standalone file."""
    with open_context(fmt is Format.JSON) as ctx, exit_on_error(fmt is Format.JSON):
        report = build_bounce_report(ctx, region=region, since=_since(since, ctx.zone))
        if fmt is Format.HTML:
            stamp = report.generated_at.astimezone(ctx.zone).strftime("%Y%m%d-%H%M")
            path = out or ctx.settings.var_dir / "reports" / f"bounces-{stamp}.html"
            _write(path, bounce_report_html(ctx.settings, report, standalone=True))
            typer.echo(str(path))
            return
    if fmt is Format.TABLE:
        if out is None:
            print_bounce_tables(report, console)
        else:
            with out.open("w", encoding="utf-8") as handle:
                print_bounce_tables(report, Console(file=handle, width=160))
        return
    text = (
        bounce_report_csv(report, ctx.zone)
        if fmt is Format.CSV
        else report.model_dump_json(indent=2) + "\n"
    )
    if out is None:
        typer.echo(text, nl=False)
    else:
        _write(out, text)


@app.command("edition")
def edition(
    month: Annotated[
        str,
        typer.Argument(metavar="YYYY-MM", help="The edition's month.", callback=month_argument),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV for a spreadsheet.")] = False,
) -> None:
    """Per region x language: planned / accepted / delivered / bounced / dropped / unsubscribed /
    failed."""
    if not is_month(month):
        raise _fail(f"{month!r}: expected an edition month YYYY-MM")
    with open_context(as_json) as ctx, exit_on_error(as_json):
        report = build_edition_report(ctx, month)
    if as_json:
        print_json(report.model_dump(mode="json"))
    elif as_csv:
        typer.echo(edition_report_csv(report), nl=False)
    else:
        console.print(edition_table(report))


def edition_table(report: EditionReport) -> Table:
    columns = ("planned", "accepted", "delivered", "bounced", "dropped", "unsubscribed", "failed")
    # Headers short enough, and no vertical rules, so the table fits an 80-column terminal.
    table = Table(
        title=f"edition {report.edition}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("region")
    table.add_column("lang")
    for column in columns:
        header = "unsub" if column == "unsubscribed" else column
        table.add_column(header, justify="right", min_width=len(header))
    for f in [*report.rows, report.total]:
        region = f.region.value if f.region else "total"
        table.add_row(
            region,
            f.language.value if f.language else "",
            *(str(getattr(f, c)) for c in columns),
            end_section=f is report.rows[-1],
        )
    return table
