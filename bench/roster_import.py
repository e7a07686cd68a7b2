"""Benchmark: import a generated 100,000-row roster through the real pipeline.

    .venv/bin/python bench/roster_import.py [--rows 100000] [--naive-sample 2000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Writes a Lyyti-shaped CSV (`;`, UTF-8 with BOM, CRLF, Finnish headers, realistic municipalities)
to a temp dir, imports it into a fresh SQLite database (and PostgreSQL with --postgres), then
re-imports it (all unchanged). Prints rows/s and peak memory (process RSS from getrusage, and the
Python heap peak from tracemalloc in a separate parse run), and compares in the same run with
the naive way: the full email-validator call per row, and one SELECT + INSERT + commit per row
(timed on a sample, extrapolated). Target (issue 2): under 5 s and under 300 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

import sqlalchemy as sa
from email_validator import validate_email

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailer.config import Settings  # noqa: E402
from mailer.core.regions import municipalities  # noqa: E402
from mailer.core.roster.rows import parse_roster  # noqa: E402
from mailer.pipeline import Context  # noqa: E402
from mailer.pipeline.roster import import_rosters  # noqa: E402
from mailer.store.base import create_db_engine, migrate, utcnow  # noqa: E402
from mailer.store.tables import contact_sources, contacts  # noqa: E402

FIRST = [
    "Aino",
    "Eino",
    "Helmi",
    "Väinö",
    "Sofia",
    "Leo",
    "Aada",
    "Onni",
    "Ella",
    "Elias",
    "Maria",
    "Juha",
    "Päivi",
    "Björn",
    "Åsa",
    "Jussi",
    "Kaisa",
    "Mikko",
    "Satu",
    "Timo",
]
LAST = [
    "Virtanen",
    "Korhonen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lindholm",
    "Sjöberg",
    "Öhman",
    "Backman",
]
ROLES = ["Oppimisen tuki", "Opiskeluhuolto", "Varhaiskasvatus", ""]
HEADER = "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta;Kieli;Rooli"


def rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux: the process's peak resident set so far
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def speed_probe(calls: int = 5000) -> float:
    """Microseconds per email-validator call: a fixed CPU-bound workload, printed beside the
    timings so that runs on a busy shared machine can be told from slow code (about 30 us on
    an idle CI machine core)."""
    start = time.perf_counter()
    for i in range(calls):
        validate_email(f"probe.{i}@espoo.example", check_deliverability=False)
    return (time.perf_counter() - start) / calls * 1e6


def generate(path: Path, rows: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    mainland = [m for m in municipalities() if m.region is not None]
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(HEADER + "\r\n")
        for i in range(rows):
            m = rng.choice(mainland)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            slug = "".join(ch for ch in m.name_fi.lower() if ch.isascii() and ch.isalpha())
            email = f"{first.lower()}.{last.lower()}.{i}@{slug or 'kunta'}.example"
            email = email.encode("ascii", "ignore").decode()
            language = "ruotsi" if m.languages.startswith("sv") or rng.random() < 0.02 else ""
            name = m.name_sv if language else m.name_fi
            out.write(
                ";".join(
                    (first, last, email, f"{name} ({m.code})", name, language, rng.choice(ROLES))
                )
                + "\r\n"
            )


def timed_import(ctx: Context, path: Path, label: str, rows: int) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    report = import_rosters(ctx, [path])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert report.rejected == 0 and report.rows == rows, report.counts()
    print(
        f"  {label:<28} {seconds:6.2f} s wall ({cpu:5.2f} s CPU)  {rows / seconds:8,.0f} rows/s"
        f"  (created {report.created}, updated {report.updated}, unchanged {report.unchanged})"
    )
    return seconds


def naive_per_row(engine: sa.Engine, path: Path, sample: int) -> float:
    """The obvious way: for each row validate fully, SELECT by email, INSERT, INSERT the
    provenance, COMMIT. Returns seconds per row."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()[1 : sample + 1]
    now = utcnow()
    start = time.perf_counter()
    for number, line in enumerate(lines, start=2):
        first, last, email, org, _muni, _lang, _role = line.split(";")
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
        with engine.begin() as conn:
            found = conn.execute(
                sa.select(contacts.c.id).where(contacts.c.email == email)
            ).scalar_one_or_none()
            if found is None:
                found = conn.execute(
                    sa.insert(contacts)
                    .values(
                        email=email,
                        first_name=first,
                        last_name=last,
                        organisation=org,
                        org_type="municipality",
                        municipality="091",
                        region="hyks",
                        language="fi",
                        role="support",
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(contacts.c.id)
                ).scalar_one()
            conn.execute(
                sa.insert(contact_sources).values(
                    contact_id=found, source="naive.csv", line=number, imported_at=now
                )
            )
    return (time.perf_counter() - start) / len(lines)


def email_validation(path: Path) -> tuple[float, float]:
    """(seconds for the full email-validator call on every row, seconds for the whole parse
    with the fast path) over the same file."""
    data = path.read_bytes()
    emails = [line.split(";")[2] for line in data.decode("utf-8-sig").splitlines()[1:]]
    start = time.perf_counter()
    for email in emails:
        validate_email(email.strip(), check_deliverability=False)
    full = time.perf_counter() - start
    start = time.perf_counter()
    parse_roster(path.name, data)
    return full, time.perf_counter() - start


def run_backend(url: str, label: str, path: Path, rows: int, sample: int) -> None:
    engine = create_db_engine(url)
    migrate(engine)
    settings = Settings(database_url=url)
    ctx = Context(settings, engine)
    baseline = rss_mb()
    print(f"{label}:")
    print(f"  machine speed probe: {speed_probe():.0f} us per email-validator call just before")
    first = timed_import(ctx, path, "import into empty register", rows)
    peak = rss_mb()
    again = timed_import(ctx, path, "re-import (all unchanged)", rows)
    print(
        f"  peak RSS {peak:.0f} MB (whole process; {peak - baseline:+.0f} MB over the "
        f"{baseline:.0f} MB before the import)"
    )
    per_row = naive_per_row(engine, path, sample)
    naive = per_row * rows
    print(
        f"  naive per-row SELECT+INSERT+commit: {per_row * 1000:.2f} ms/row on {sample} rows "
        f"-> {naive:,.0f} s for {rows:,} ({naive / first:,.0f}x slower than the bulk import)"
    )
    print(
        f"  verdict: first import {'OK' if first < 5 else 'OVER'} the 5 s target, "
        f"re-import {again:.2f} s, RSS {'OK' if peak < 300 else 'OVER'} the 300 MB target"
    )
    engine.dispose()


def postgres_run(server: str, path: Path, rows: int, sample: int) -> None:
    admin = sa.create_engine(
        sa.make_url(server).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    name = f"mailer_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(server).set(drivername="postgresql+psycopg", database=name)
    try:
        run_backend(url.render_as_string(hide_password=False), "PostgreSQL", path, rows, sample)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def child(args: argparse.Namespace) -> None:
    """One backend in a fresh process, so its peak RSS is its own."""
    path = Path(args.file)
    if args.child == "sqlite":
        run_backend(
            f"sqlite:///{path.parent}/bench.db", "SQLite", path, args.rows, args.naive_sample
        )
    elif args.child == "postgres":
        postgres_run(args.postgres, path, args.rows, args.naive_sample)
    else:
        full, parse = email_validation(path)
        print(
            f"parse + validate only: {parse:.2f} s ({args.rows / parse:,.0f} rows/s); the full "
            f"email-validator call alone on every row takes {full:.2f} s "
            f"({full / args.rows * 1e6:.0f} us/call; fast path: ASCII dot-atom local part + one "
            "validator call per distinct domain)"
        )
        tracemalloc.start()
        parse_roster(path.name, path.read_bytes())
        _, heap = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"parse Python heap peak (tracemalloc): {heap / 2**20:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=2000)
    parser.add_argument("--postgres", help="also run against this PostgreSQL server URL")
    parser.add_argument("--child", choices=["sqlite", "postgres", "parse"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as tmp:
        path = Path(tmp) / "roster-100k.csv"
        generate(path, args.rows)
        size = path.stat().st_size / 1e6
        print(f"roster: {args.rows:,} rows, {size:.1f} MB ({path.name})")
        load = os.getloadavg()[0]
        print(
            f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (wall times grow with load)"
        )
        children = ["sqlite", "parse"] + (["postgres"] if args.postgres else [])
        for name in children:
            command = [sys.executable, __file__, "--child", name, "--file", str(path)]
            command += ["--rows", str(args.rows), "--naive-sample", str(args.naive_sample)]
            if args.postgres:
                command += ["--postgres", args.postgres]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
