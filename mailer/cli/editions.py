"""`mailer edition ...`: import, export, new, history, check, preview, approve, unapprove,
status."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from mailer.cli.common import (
    EXIT_ERROR,
    EXIT_PROBLEMS,
    console,
    err_console,
    exit_on_error,
    month_argument,
    open_context,
    print_json,
)
from mailer.cli.users import actor
from mailer.core.edition.content import ContentProblem, Severity
from mailer.core.edition.revisions import EditionProblemsError
from mailer.pipeline.editions import approval
from mailer.pipeline.editions.check import (
    CheckReport,
    EditionStatus,
    approval_status,
    check_edition,
    list_statuses,
)
from mailer.pipeline.editions.preview import PreviewLanguage, write_preview
from mailer.pipeline.editions.revisions import (
    Revision,
    export_edition,
    import_editions,
    new_edition,
    revision_history,
)

app = typer.Typer(
    help="Monthly editions (kept in the database): import, export, new, history, check, "
    "preview, approve, status.",
    no_args_is_help=True,
)

Month = Annotated[
    str,
    typer.Argument(
        help="The edition's month, YYYY-MM.", metavar="YYYY-MM", callback=month_argument
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@app.command("check")
def check(month: Month, as_json: Json = False) -> None:
    """Check content, all 10 variants, links and sizes; exit 1 listing every problem."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        report = check_edition(ctx, month)
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        _print_check(month, report)
    if not report.ok:
        raise typer.Exit(EXIT_PROBLEMS)


def _print_check(month: str, report: CheckReport) -> None:
    if report.problems:  # warnings too, when the edition is otherwise OK
        _print_problems(f"edition {month}", report.problems)
    if report.ok:
        sizes = ", ".join(f"{k} {v / 1000:.0f} kB" for k, v in report.html_bytes.items())
        console.print(f"[green]edition {month}: all 10 variants OK[/] ({sizes})", highlight=False)
    elif all(p.severity is not Severity.ERROR for p in report.problems):
        err_console.print(
            f"only overridable problems: fix them, or `mailer edition approve {month} --by NAME "
            '--override "why"` records the reason with the approval',
            highlight=False,
        )


def _print_problems(title: str, problems: Sequence[ContentProblem]) -> None:
    table = Table(title=f"{title}: {len(problems)} problem(s)")
    # a severity column only when it says something: not every problem is an error
    graded = any(p.severity is not Severity.ERROR for p in problems)
    columns = ("where", "severity") if graded else ("where",)
    for column in (*columns, "region", "language", "field", "problem"):
        table.add_column(column, overflow="fold")
    for p in problems:
        where = f"{p.file}:{p.line}" if p.line is not None else p.file
        cells = (where, p.severity.value) if graded else (where,)
        table.add_row(*cells, p.region, p.language, p.field, p.message)
    console.print(table)


@contextmanager
def _problems_listed(title: str) -> Iterator[None]:
    """Every problem of a refused file as a table (exit 2: nothing was stored)."""
    try:
        yield
    except EditionProblemsError as err:
        _print_problems(title, err.problems)
        err_console.print("[bold red]refused:[/] nothing was stored", highlight=False)
        raise typer.Exit(EXIT_ERROR) from err


def _default_author() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


By = Annotated[
    str | None,
    typer.Option("--by", help="Who makes the revision (default: the login name)."),
]


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Letter files (YYYY-MM.yaml).")],
    by: By = None,
) -> None:
    """Store each file as its month's next revision, validated as `check` does (all or none)."""
    with open_context() as ctx, exit_on_error(), _problems_listed("import"):
        imported = import_editions(ctx, files, by or _default_author())
    for item in imported:
        r = item.revision
        if item.created:
            changed = ", ".join(r.changes) if r.changes else "first revision"
            console.print(
                f"{item.file}: {r.month} revision {r.number} ({changed})", highlight=False
            )
            if item.lapsed is not None:
                console.print(
                    f"  the approval of revision {item.lapsed.revision} by "
                    f"{item.lapsed.approved_by} no longer holds: {r.month} is a draft until "
                    "approved again (the approver is mailed; see `mailer audit list`)",
                    highlight=False,
                )
        else:
            console.print(
                f"{item.file}: {r.month} unchanged (still revision {r.number})", highlight=False
            )


@app.command("export")
def export(
    month: Month,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (default: stdout).")
    ] = None,
    revision: Annotated[
        int | None, typer.Option("--revision", help="An earlier revision (default: latest).")
    ] = None,
) -> None:
    """The edition's YAML exactly as stored (import it again to get the same revision)."""
    with open_context() as ctx, exit_on_error():
        found = export_edition(ctx, month, revision)
    if out is None:
        sys.stdout.write(found.text)
        return
    out.write_text(found.text, encoding="utf-8")
    err_console.print(f"{month} revision {found.number} -> {out}", highlight=False)


@app.command("new")
def new(
    month: Month,
    source: Annotated[
        str | None,
        typer.Option("--from", help="Start from this month (default: the latest earlier one)."),
    ] = None,
    by: By = None,
) -> None:
    """Start a month from an earlier one: texts copied, events cleared, old month names flagged."""
    with open_context() as ctx, exit_on_error(), _problems_listed(f"new {month}"):
        started = new_edition(ctx, month, by or _default_author(), source)
    console.print(
        f"[green]{month} revision 1[/] from {started.source.month} revision "
        f"{started.source.number}; {started.cleared_events} event(s) cleared",
        highlight=False,
    )
    for flag in started.flags:
        console.print(f"  reword line {flag.line} {flag.field}: {flag.message}", highlight=False)
    console.print(f"edit: mailer edition export {month} --out {month}.yaml, then import it")


def _history_row(revision: Revision) -> list[str]:
    if revision.changes is None:
        changed = "(first)"
    else:
        changed = ", ".join(revision.changes) or "(formatting only)"
    return [
        str(revision.number),
        f"{revision.created_at:%Y-%m-%d %H:%M} UTC",
        revision.author,
        changed,
        revision.note or "",
    ]


@app.command("history")
def history(month: Month, as_json: Json = False) -> None:
    """The month's revisions: number, when, who, what changed."""
    with open_context() as ctx, exit_on_error():
        revisions = revision_history(ctx, month)
    if as_json:
        print_json([{k: v for k, v in r._asdict().items() if k != "text"} for r in revisions])
        return
    table = Table(title=f"edition {month}: {len(revisions)} revision(s)")
    for column in ("revision", "at", "by", "changed", "note"):
        table.add_column(column, overflow="fold")
    for revision in revisions:
        table.add_row(*_history_row(revision))
    console.print(table)


@app.command("preview")
def preview(
    month: Month,
    out: Annotated[
        str | None,
        typer.Option("--out", help="Folder to write into (default var/preview/YYYY-MM)."),
    ] = None,
    as_json: Json = False,
    lang: Annotated[
        PreviewLanguage,
        typer.Option("--lang", help="Language of the index page.", case_sensitive=False),
    ] = PreviewLanguage.FI,
) -> None:
    """Write every variant (HTML and text) for a sample contact, and an index.html of all 10
    with subject, preheader and From."""
    if out is not None and not out.strip():
        # Path("") is "." : an empty value would quietly write into the current directory
        raise typer.BadParameter("give a folder", param_hint="--out")
    with open_context(as_json) as ctx, exit_on_error(as_json):
        index = write_preview(ctx, month, Path(out) if out is not None else None, lang=lang)
    if as_json:
        print_json({"edition": month, "index": str(index), "folder": str(index.parent)})
        return
    typer.echo(str(index))


@app.command("approve")
def approve(
    month: Month,
    by: Annotated[str, typer.Option("--by", help="Who approves (recorded with the hash).")],
    override: Annotated[
        str | None,
        typer.Option(
            "--override",
            help="Approve despite overridable check problems; the reason is recorded with them.",
            metavar="REASON",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="The approval note.")] = None,
    as_json: Json = False,
) -> None:
    """Approve the edition as it is now (refused while `check` finds problems, unless they are
    all overridable and --override gives the reason). Four-eyes: refused when --by names the
    author of the latest revision, unless MAILER_APPROVAL_SINGLE_PERSON=true."""
    approver = approval.Approver(by.strip(), (by,), actor())
    with open_context(as_json) as ctx, exit_on_error(as_json):
        status = approval.approve(ctx, month, approver, note=note, override=override)
    if as_json:
        print_json(status.model_dump(mode="json"))
        return
    when = status.approved_at.astimezone(ctx.zone) if status.approved_at else None
    alone = " (one person: the author approved)" if status.single_person else ""
    console.print(
        f"[green]edition {month} approved[/] by {status.approved_by}{alone} at "
        f"{when:%Y-%m-%d %H:%M %Z} (sha256 {status.current_hash})",
        highlight=False,
    )
    if status.override_reason:
        console.print(
            f"overriding {len(status.overridden)} problem(s), reason recorded: "
            f"{status.override_reason}",
            highlight=False,
        )


@app.command("unapprove")
def unapprove_command(month: Month, as_json: Json = False) -> None:
    """Withdraw the edition's approval: it is a draft again until approved anew."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        status = approval.unapprove(ctx, month, actor())
    if as_json:
        print_json(status.model_dump(mode="json"))
        return
    console.print(f"approval of {month} withdrawn: the edition is a draft", highlight=False)


def _row(status: EditionStatus, zone: ZoneInfo) -> list[str]:
    """A status row with times in the zone people read (Helsinki), not UTC."""
    approved = ""
    if status.approved_by is not None and status.approved_at is not None:
        approved = f"{status.approved_by}, {status.approved_at.astimezone(zone):%Y-%m-%d %H:%M %Z}"
        if status.approved_revision is not None:
            approved += f" (revision {status.approved_revision})"
    note = "changed since approval" if status.changed_since_approval else (status.hint or "")
    revision = "" if status.revision is None else str(status.revision)
    return [status.month, status.state, revision, approved, note]


@app.command("status")
def status(
    month: Annotated[
        str | None,
        typer.Argument(help="One month (default: all).", callback=month_argument),
    ] = None,
    as_json: Json = False,
) -> None:
    """Show draft / approved / sent per edition in the database."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        statuses = [approval_status(ctx, month)] if month else list_statuses(ctx)
    if as_json:
        print_json([s.model_dump(mode="json") for s in statuses])
        return
    if not statuses:
        err_console.print(
            "no editions in the database yet (`mailer edition import FILE` or `mailer edition new`)"
        )
        return
    table = Table(title="editions")
    for column in ("month", "state", "revision", "approved", "note"):
        table.add_column(column)
    for item in statuses:
        table.add_row(*_row(item, ctx.zone))
    console.print(table)
