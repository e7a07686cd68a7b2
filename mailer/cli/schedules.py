"""`mailer schedule ...`: check, sync, list, runs, skip, run."""

from __future__ import annotations

import signal
from types import FrameType

import typer
from rich.table import Table

from mailer.cli.common import console, err_console, exit_on_error, open_context, print_json
from mailer.cli.users import actor as cli_actor
from mailer.pipeline.schedules.jobs import sync_schedules
from mailer.pipeline.schedules.runs import recent_runs
from mailer.pipeline.schedules.skips import ALL, skip_month, unskip_month
from mailer.pipeline.schedules.views import JobView, list_jobs, preview_schedules
from mailer.pipeline.startup import Command

app = typer.Typer(
    help="Schedules: check, sync, list, runs, skip a month; run the scheduler.",
    no_args_is_help=True,
)

JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("sync")
def sync(as_json: bool = JSON) -> None:
    """Reconcile schedules/*.yaml into the job store (adds, changes, removes; idempotent)."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        report = sync_schedules(ctx)
    if as_json:
        print_json(report.model_dump())
        return
    for label, ids in (
        ("added", report.added),
        ("changed", report.changed),
        ("removed", report.removed),
        ("unchanged", report.unchanged),
    ):
        for job_id in ids:
            console.print(f"{label:>9}  {job_id}", highlight=False)
    if not report.touched:
        console.print("job store already matches the schedules", highlight=False)


COUNT = typer.Option(3, "--count", min=1, max=24, help="Fire times shown per job.")
RETRIES = typer.Option(False, "--retries", help="Also show the daily retries until each deadline.")


def _show(views: list[JobView], as_json: bool) -> None:
    if as_json:
        print_json([view.model_dump(mode="json") for view in views])
        return
    table = Table("job", "rule", "targets", "next runs")
    for view in views:
        runs = "\n".join(
            f"{fire.at:%a %d.%m.%Y %H:%M %Z}  {fire.role} {fire.edition}"
            + (f" (deadline {fire.deadline:%d.%m. %H:%M})" if fire.role == "send" else "")
            + (f" SKIPPED {', '.join(fire.skipped)}" if fire.skipped else "")
            for fire in view.upcoming
        )
        table.add_row(view.id, view.rule, ", ".join(view.targets), runs or "-")
    console.print(table)


@app.command("list")
def list_(as_json: bool = JSON, count: int = COUNT, retries: bool = RETRIES) -> None:
    """Each job in the job store with its next run times (Europe/Helsinki) and deadlines."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        views = list_jobs(ctx, count=count, retries=retries)
    if not views and not as_json:
        console.print("no scheduled jobs: run `mailer schedule sync`", highlight=False)
        return
    _show(views, as_json)


@app.command("check")
def check(as_json: bool = JSON, count: int = COUNT, retries: bool = RETRIES) -> None:
    """Validate schedules/*.yaml and show what a sync would schedule (no database needed)."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        views = preview_schedules(ctx, now=ctx.now(), count=count, retries=retries)
    _show(views, as_json)


@app.command("runs")
def runs(
    as_json: bool = JSON,
    limit: int = typer.Option(20, "--limit", min=1, help="How many of the latest runs."),
) -> None:
    """What the scheduler did: sends, held sends, reminders, missed runs (latest first)."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        rows = recent_runs(ctx, limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no schedule runs yet", highlight=False)
        return
    table = Table("scheduled for", "job", "kind", "edition", "outcome", "detail")
    for row in rows:
        table.add_row(
            f"{row['scheduled_for']:%d.%m.%Y %H:%M %Z}",
            row["job_id"],
            row["kind"],
            row["edition"],
            row["outcome"],
            row["detail"] or "",
        )
    console.print(table)


@app.command("skip")
def skip(
    month: str = typer.Argument(..., help="The edition month YYYY-MM not to send."),
    *,
    schedule: str = typer.Option(ALL, "--schedule", help="Only this schedule (default: all)."),
    target: str = typer.Option(
        ALL, "--target", help="Only this target of the schedule, e.g. hyks-sv (default: all)."
    ),
    reason: str = typer.Option("", "--reason", help="Why (shown with the skipped run)."),
    undo: bool = typer.Option(False, "--undo", help="Send the month after all."),
    as_json: bool = JSON,
) -> None:
    """Skip a month: the scheduler sends no letter and no reminder for it (or --undo)."""
    with open_context(as_json) as ctx, exit_on_error(as_json):
        actor = cli_actor()
        if undo:
            changed = unskip_month(ctx, month, actor=actor, schedule=schedule, target=target)
        else:
            changed = skip_month(
                ctx, month, actor=actor, schedule=schedule, target=target, reason=reason
            )
    what = "undone" if undo else "skipped"
    if as_json:
        print_json({"month": month, "schedule": schedule, "target": target, what: changed})
        return
    scope = f"{month} {schedule}/{target}"
    if changed:
        console.print(f"{what}: {scope}", highlight=False)
    else:
        console.print(
            f"nothing to do: {scope} was {'not ' if undo else ''}skipped", highlight=False
        )


@app.command("run")
def run(
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Exit at once if another scheduler is active (else wait)."
    ),
) -> None:
    """Run the scheduler in the foreground; SIGTERM or Ctrl-C shuts it down cleanly."""
    from mailer.scheduler.service import SchedulerRunner

    with open_context(command=Command.SCHEDULE_RUN) as ctx, exit_on_error():
        runner = SchedulerRunner(
            ctx,
            wait=not no_wait,
            on_state=lambda state, detail: err_console.print(
                f"[bold]{state}[/]: {detail}", highlight=False
            ),
        )

        def _stop(signum: int, _frame: FrameType | None) -> None:
            err_console.print(f"{signal.Signals(signum).name}: stopping", highlight=False)
            runner.stop()

        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            runner.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
