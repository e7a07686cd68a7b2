"""Workspace benchmark (issue 14): every workspace page with 10,000 contacts and 24 editions in
the database, and the 10-variant preview compile.

    .venv/bin/python bench/workspace.py [--requests 50] [--contacts 10000] [--postgres URL]

The pages are discovered from the app's routes at run time (every GET route behind login, so pages
other parts of the workspace add are measured too), `{month}` and ids filled from the data, and
requested through the in-process ASGI client as a signed-in approver (an admin for admin pages).
Wall-clock latency per request: median and p95. Targets: pages < 100 ms p95, preview < 300 ms.
Where a page has a naive alternative, both run in the same process on the same data (the send
page's ledger progress: one grouped query against one count query per variant).
"""

from __future__ import annotations

import argparse
import gc
import io
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.routing import APIRoute  # noqa: E402
from PIL import Image  # noqa: E402

from mailer.config import Settings  # noqa: E402
from mailer.core.accounts import UserRole  # noqa: E402
from mailer.core.models import DeliveryState, Language, Region  # noqa: E402
from mailer.pipeline import Context  # noqa: E402
from mailer.pipeline import accounts as accounts_pipeline  # noqa: E402
from mailer.pipeline.accounts import add_user  # noqa: E402
from mailer.pipeline.database import upgrade  # noqa: E402
from mailer.pipeline.editions.check import approve_edition, compile_edition  # noqa: E402
from mailer.pipeline.editions.revisions import import_editions  # noqa: E402
from mailer.pipeline.media import upload_image  # noqa: E402
from mailer.pipeline.schedules.jobs import sync_schedules  # noqa: E402
from mailer.pipeline.send.planning import plan_ledger  # noqa: E402
from mailer.store import editions as editions_store  # noqa: E402
from mailer.store import ledger, ledger_plan  # noqa: E402
from mailer.store import reports as reports_store  # noqa: E402
from mailer.store.editions import mark_sent  # noqa: E402
from mailer.store.tables import deliveries  # noqa: E402
from mailer.web.app import create_app  # noqa: E402
from tests.accounts_support import Browser  # noqa: E402
from tests.asgi_client import AsgiClient  # noqa: E402
from tests.test_send_support import add_contacts, people  # noqa: E402

PASSWORD = "Bench-salasana-2026-workspace"
APPROVER = "bo.bench@vip.example"
ADMIN = "aino.bench@vip.example"
# the public and machine routes: not workspace pages
NOT_WORKSPACE = (
    "/webhooks",
    "/archive",
    "/unsubscribe",
    "/u/",
    "/p/",
    "/appoint/",  # the public appointment pages (the workspace's /appointments is measured)
    "/confirm",
    "/admin",
    "/login",
    "/password",  # the password link's and "forgot" pages
    "/media/",  # the public images (the library /media is measured)
)
PREVIEW_TARGET = 300  # ms p95: the ten-variant preview page compiles ten letters
DOWNLOADS = (".csv", ".json", ".atom", ".xml", ".xlsx", ".yaml")
SENT_MONTHS = 22  # of the 24 editions: the rest are one approved and one draft
IMAGES = 60


def _months(count: int) -> list[str]:
    months, year, month = [], 2025, 1
    for _ in range(count):
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _fill(ctx: Context, tmp: Path, contacts: int) -> tuple[list[str], int]:
    """Contacts, users and 24 editions: 22 planned and accepted (ledger rows for every contact),
    one approved, one draft. Returns the months and a contact id."""
    upgrade(ctx)
    add_contacts(ctx.engine, people(contacts))
    for email, role in ((APPROVER, UserRole.APPROVER), (ADMIN, UserRole.ADMIN)):
        add_user(ctx, email=email, role=role, password=PASSWORD, actor="bench")
    months = _months(24)
    sample = (ROOT / "letters" / "2026-11.yaml").read_text(encoding="utf-8")
    files = []
    for month in months:
        path = tmp / f"{month}.yaml"
        path.write_text(sample.replace("2026-11", month), encoding="utf-8")
        files.append(path)
    import_editions(ctx, files, "bench")
    for n, month in enumerate(months):
        if n == len(months) - 1:
            break  # the newest stays a draft
        approve_edition(ctx, month, "Bo Bench", override="bench")
        if n < SENT_MONTHS:
            plan_ledger(ctx, month, None, None, dry_run=False)
            with ctx.engine.begin() as conn:
                conn.execute(
                    sa.update(deliveries)
                    .where(deliveries.c.edition == month)
                    .values(state=DeliveryState.ACCEPTED, accepted_at=ctx.now())
                )
                mark_sent(conn, month, ctx.now())
    sync_schedules(ctx)
    for n in range(IMAGES):  # a library of a few years' pictures (each its own bytes)
        out = io.BytesIO()
        Image.new("RGB", (600, 400), (n % 256, 92, 173)).save(out, format="PNG")
        upload_image(ctx, actor=APPROVER, filename=f"kuva-{n}.png", data=out.getvalue())
    with ctx.engine.connect() as conn:
        contact_id = int(conn.execute(sa.text("select min(id) from contacts")).scalar_one())
    return months, contact_id


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, through included routers (FastAPI 0.165 keeps an
    included router as one entry holding the original)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from _routes(inner.routes, prefix + (context.prefix if context else ""))
        elif isinstance(route, APIRoute):
            yield prefix + route.path, set(route.methods)


def _pages(app: FastAPI, values: dict[str, str]) -> list[str]:
    """Every GET route of the workspace with its path parameters filled; a route with a
    parameter we have no value for is reported and left out."""
    found = []
    for path, methods in _routes(list(app.routes)):
        if "GET" not in methods:
            continue
        if path.startswith(NOT_WORKSPACE) or path.endswith(DOWNLOADS):
            continue
        names = re.findall(r"{(\w+)(?::\w+)?}", path)
        missing = [n for n in names if n not in values]
        if missing:
            print(f"  (not measured: {path}, no value for {', '.join(missing)})")
            continue
        found.append(re.sub(r"{(\w+)(?::\w+)?}", lambda m: values[m.group(1)], path))
    return sorted(set(found))


def _timed(call: Callable[[], object], n: int) -> list[float]:
    call()  # warm: template compilation, first queries
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _row(name: str, times: list[float], target: float) -> tuple[str, float, float, str]:
    p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 2 else times[0]
    median = statistics.median(times)
    return name, median, p95, "ok" if p95 < target else "SLOW"


def _naive_progress(ctx: Context, month: str) -> None:
    """One count query per variant (the N+1 shape the grouped query replaces)."""
    with ctx.engine.connect() as conn:
        for region in Region:
            for language in Language:
                ledger.state_counts(conn, month, region.value, language.value)


def _grouped_progress(ctx: Context, month: str) -> None:
    with ctx.engine.connect() as conn:
        ledger_plan.variant_states(conn, month)


def _states_naive(ctx: Context, months: list[str]) -> None:
    """Each edition's state as approval_status used to ask: every accepted row of every edition."""
    with ctx.engine.connect() as conn:
        for month in months:
            _ = month in editions_store.sent_months(conn)


def _states_indexed(ctx: Context, months: list[str]) -> None:
    with ctx.engine.connect() as conn:
        for month in months:
            editions_store.is_sent(conn, month)


def _report_rows_naive(ctx: Context, month: str) -> None:
    """The rows the edition report used to read: every delivery of the edition."""
    query = sa.select(
        deliveries.c.id,
        deliveries.c.contact_id,
        deliveries.c.region,
        deliveries.c.language,
        deliveries.c.state,
        deliveries.c.accepted_at,
    ).where(deliveries.c.edition == month)
    with ctx.engine.connect() as conn:
        conn.execute(query).mappings().all()


def _report_rows_now(ctx: Context, month: str) -> None:
    with ctx.engine.connect() as conn:
        ledger_plan.variant_states(conn, month)
        reports_store.edition_deliveries(conn, month)


def _bounce_rows(ctx: Context, *, watched: bool) -> None:
    with ctx.engine.connect() as conn:
        reports_store.contact_rows(conn, watched=watched)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (an empty database) instead of SQLite")
    parser.add_argument("--only", help="measure only the pages whose path matches this regex")
    args = parser.parse_args()
    # the cheapest Argon2id: logging in is not what this measures
    accounts_pipeline.HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        settings = Settings(
            database_url=args.postgres or f"sqlite:///{tmp}/workspace.db",
            letters_dir=tmp,
            templates_dir=ROOT / "templates",
            schedules_dir=ROOT / "schedules",
            var_dir=tmp / "var",
            secret_key="bench-secret-key-for-signing",  # type: ignore[arg-type]
            public_url="https://vipu.example",
        )
        ctx = Context(settings)
        t0 = time.perf_counter()
        months, contact_id = _fill(ctx, tmp, args.contacts)
        print(
            f"data: {args.contacts} contacts, {len(months)} editions "
            f"({time.perf_counter() - t0:.1f} s to build), {ctx.engine.dialect.name}"
        )
        # Building the data left this process with a heap a server never has (the register
        # lives in the database): freeze it, so the cyclic collector's full passes over it do
        # not land in some requests' times as they would not in `mailer serve`.
        gc.collect()
        gc.freeze()
        app = create_app(settings, ctx)
        client = AsgiClient(app)
        approver, admin = Browser(client), Browser(client)
        approver.log_in(APPROVER, PASSWORD)
        admin.log_in(ADMIN, PASSWORD)
        values = {"month": months[SENT_MONTHS - 1], "contact_id": str(contact_id),
                  "id": str(contact_id), "key": "hyks-fi", "number": "1"}  # fmt: skip
        rows = []
        # the edition pages once more for the approved (not sent) and the draft edition: the
        # send page plans (a dry run) only for an edition not yet sent
        extra = [f"/editions/{m}/{page}" for m in months[-2:] for page in ("send", "preview")]
        for page in [*_pages(app, values), *extra]:
            if args.only and not re.search(args.only, page):
                continue
            who = approver
            status = who.get(page).status_code
            if status == 403:
                who = admin
                status = who.get(page).status_code
            if status != 200:
                print(f"  (not measured: {page} answers {status})")
                continue
            times = _timed(lambda p=page, w=who: w.get(p), args.requests)
            rows.append(_row(f"GET {page}", times, PREVIEW_TARGET if "/preview" in page else 100))
        draft = months[-1]
        if args.only:
            _print(rows, args.requests)
            return
        rows.append(
            _row(
                f"preview compile, 10 variants ({draft})",
                _timed(lambda: compile_edition(ctx, draft), args.requests),
                300,
            )
        )
        sent = months[SENT_MONTHS - 1]
        shown = months[-3:]  # the schedule page's three months
        pairs = [
            ("send progress: one grouped query", lambda: _grouped_progress(ctx, sent)),
            ("send progress (naive): a query per variant", lambda: _naive_progress(ctx, sent)),
            ("3 edition states: indexed lookups", lambda: _states_indexed(ctx, shown)),
            ("3 edition states (naive): every accepted row", lambda: _states_naive(ctx, shown)),
            ("edition report rows: grouped + rows with news", lambda: _report_rows_now(ctx, sent)),
            ("edition report rows (naive): every delivery", lambda: _report_rows_naive(ctx, sent)),
            ("bounce report rows: watched contacts", lambda: _bounce_rows(ctx, watched=True)),
            (
                "bounce report rows (naive): whole register",
                lambda: _bounce_rows(ctx, watched=False),
            ),
        ]
        for name, call in pairs:
            rows.append(_row(name, _timed(call, args.requests), 100))
        client.close()
        ctx.close()
    _print(rows, args.requests)


def _print(rows: list[tuple[str, float, float, str]], requests: int) -> None:
    width = max((len(r[0]) for r in rows), default=10)
    print(f"\n{'measured':<{width}}  {'median ms':>9}  {'p95 ms':>7}  target")
    for name, median, p95, verdict in rows:
        print(f"{name:<{width}}  {median:>9.1f}  {p95:>7.1f}  {verdict}")
    print(f"\n{requests} requests each, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
