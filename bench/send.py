"""Bench: send an edition to 100,000 recipients (1,000,000 with --million) through the real
SendGrid provider code to the fake SendGrid running in its own process on loopback.

    .venv/bin/python bench/send.py [--million] [--recipients N] [--database-url URL]

Prints recipients/s, requests made, peak memory, and in the same run the naive way (one API
request per recipient with the sendgrid helper classes and a ledger commit per recipient, as a
hand-rolled loop would do) on a sample, extrapolated to the same size.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sendgrid.helpers.mail import CustomArg, Header, Mail, To  # noqa: E402

from mailer.config import Settings  # noqa: E402
from mailer.core.edition.render import personalise  # noqa: E402
from mailer.core.models import CompiledVariant, Language, Region, Variant  # noqa: E402
from mailer.pipeline import Context  # noqa: E402
from mailer.pipeline.send.deliver import deliver  # noqa: E402
from mailer.pipeline.send.loop import RecipientFactory  # noqa: E402
from mailer.providers.base import unsubscribe_headers  # noqa: E402
from mailer.providers.outbox import OutboxProvider  # noqa: E402
from mailer.providers.sendgrid.send import SendGridProvider  # noqa: E402
from mailer.store import tables  # noqa: E402
from mailer.store.base import create_db_engine  # noqa: E402
from mailer.store.tables import contacts  # noqa: E402
from tests.fakes.sendgrid_process import start_subprocess  # noqa: E402
from tests.test_send_support import compiled_edition, person  # noqa: E402

MONTH = "2026-11"
NAIVE_SAMPLE = 500


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def populate(engine: sa.Engine, n: int) -> None:
    chunk = 20_000
    with engine.begin() as conn:
        for start in range(0, n, chunk):
            conn.execute(
                sa.insert(contacts), [person(i) for i in range(start, min(n, start + chunk))]
            )


def real_edition(settings: Settings) -> dict[Variant, CompiledVariant]:
    """The repository's real letter (realistic sizes); hand-built variants if it cannot compile."""
    try:
        from mailer.pipeline.editions.check import compile_edition
        from mailer.pipeline.editions.revisions import import_edition

        ctx = Context(settings)
        import_edition(ctx, settings.letters_dir / f"{MONTH}.yaml", "bench")
        return compile_edition(ctx, MONTH)
    except Exception as err:  # a bench falls back and says so
        print(f"(real edition did not compile: {err}; using small hand-built variants)")
        return compiled_edition(MONTH)


def naive(ctx: Context, fake_url: str, api_key: str, compiled: dict[Variant, CompiledVariant]):
    """One request per recipient via the helper classes, and a ledger commit per recipient."""
    import sendgrid

    client = sendgrid.SendGridAPIClient(api_key=api_key, host=fake_url)
    people = RecipientFactory(ctx)
    d, c = tables.deliveries.c, contacts.c
    with ctx.engine.connect() as conn:
        rows = list(
            conn.execute(
                sa.select(
                    d.id,
                    d.delivery_id,
                    c.token_key,
                    d.region,
                    d.language,
                    c.email,
                    c.first_name,
                    c.last_name,
                    c.organisation,
                    c.role,
                )
                .join(contacts, c.id == d.contact_id)
                .where(d.edition == MONTH)
                .limit(NAIVE_SAMPLE)
            )
        )
    by_key = {v.key: cv for v, cv in compiled.items()}
    started = time.perf_counter()
    for row in rows:
        recipient = people.make(
            row.delivery_id, row.token_key, row.email, row.first_name, row.last_name,
            row.organisation, row.role,
        )  # fmt: skip
        message = personalise(
            by_key[f"{row.region}-{row.language}"], recipient, unsubscribe_headers(recipient)
        )
        mail = Mail(
            from_email=(ctx.settings.from_email, ctx.settings.from_name),
            to_emails=To(message.to_email, message.to_name),
            subject=message.subject,
            plain_text_content=message.text,
            html_content=message.html,
        )
        for name, value in message.headers.items():
            mail.header = Header(name, value)
        mail.custom_arg = CustomArg("delivery_id", message.delivery_id)
        response = client.send(mail)
        with ctx.engine.begin() as conn:
            conn.execute(
                sa.update(tables.deliveries)
                .where(d.id == row.id)
                .values(state="accepted", message_id=response.headers.get("X-Message-Id"))
            )
    return len(rows), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--million", action="store_true", help="1,000,000 recipients")
    parser.add_argument("--recipients", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument(
        "--outbox", action="store_true", help="also time the outbox provider on one variant"
    )
    parser.add_argument(
        "--sqlite-cache-mb",
        type=int,
        default=0,
        help="PRAGMA cache_size for SQLite connections (0: the 64 MB set in mailer/store/base.py)",
    )
    args = parser.parse_args()
    n = args.recipients or (1_000_000 if args.million else 100_000)
    with tempfile.TemporaryDirectory() as tmp, start_subprocess() as fake:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        settings = Settings(
            database_url=url,
            var_dir=Path(tmp) / "var",
            letters_dir=ROOT / "letters",
            templates_dir=ROOT / "templates",
            provider="sendgrid",
            sendgrid_api_key=SecretStr(fake.api_key),
            sendgrid_host=fake.url,
            secret_key=SecretStr("bench-secret"),
        )
        engine = create_db_engine(url)
        if args.sqlite_cache_mb and engine.dialect.name == "sqlite":
            # a 1M-row ledger's indexes outgrow SQLite's 2 MB default page cache
            pragma = f"PRAGMA cache_size=-{args.sqlite_cache_mb * 1024}"
            sa.event.listen(engine, "connect", lambda dbapi, _rec: dbapi.execute(pragma))
            print(f"SQLite page cache: {args.sqlite_cache_mb} MB per connection")
        ctx = Context(settings, engine)
        t = time.perf_counter()
        populate(engine, n)
        print(f"setup: {n:,} contacts in {time.perf_counter() - t:.1f} s ({engine.dialect.name})")
        compiled = real_edition(settings)
        html_kb = max(len(cv.html.encode()) for cv in compiled.values()) / 1000
        print(f"edition {MONTH}: 10 variants, largest HTML {html_kb:.0f} kB")
        before_mb = peak_mb()
        provider = SendGridProvider(settings)
        started, cpu = time.perf_counter(), time.process_time()
        report = deliver(ctx, MONTH, compiled, provider)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        stats = fake.stats()
        print(
            f"batched: {report.accepted:,} accepted in {elapsed:.1f} s = "
            f"{report.accepted / elapsed:,.0f} recipients/s; {provider.requests_made:,} requests "
            f"({stats['accepted_requests']:,} accepted by the fake, "
            f"{stats['unique_delivery_ids']:,} unique delivery ids, "
            f"{stats['duplicate_delivery_ids']} duplicates); failed {report.failed}, "
            f"ambiguous {report.ambiguous}; this process used {cpu:.1f} s of CPU "
            f"({cpu / report.accepted * 1e6:.0f} us per recipient)"
        )
        print(
            f"peak memory (max RSS of this process): {peak_mb():.0f} MB "
            f"(before the send: {before_mb:.0f} MB); fake validation "
            f"{stats['validation_seconds']:.1f} s in its own process"
        )
        sample, naive_s = naive(ctx, fake.url, fake.api_key, compiled)
        rate = sample / naive_s
        print(
            f"naive (1 request + 1 commit per recipient, helper classes): {sample} in "
            f"{naive_s:.1f} s = {rate:,.0f} recipients/s; {n:,} would take {n / rate:,.0f} s "
            f"and {n:,} requests -> batched is {(n / rate) / elapsed:.0f}x faster"
        )
        if args.outbox:
            outbox(ctx, compiled, n)
        engine.dispose()


def outbox(ctx: Context, compiled: dict[Variant, CompiledVariant], n: int) -> None:
    """The embedded default provider: one .eml per letter. One variant (hyks-sv, a tenth of the
    contacts) of a second edition, written for real, extrapolated to all."""
    month = "2026-12"
    second = {v: cv.model_copy(update={"edition": month}) for v, cv in compiled.items()}
    started = time.perf_counter()
    report = deliver(
        ctx,
        month,
        second,
        OutboxProvider(ctx.settings),
        region=Region.HYKS,
        language=Language.SV,
    )
    elapsed = time.perf_counter() - started
    folder = ctx.settings.outbox_dir / month
    size = sum(p.stat().st_size for p in folder.glob("*.eml")) / report.accepted
    rate = report.accepted / elapsed
    print(
        f"outbox: {report.accepted:,} .eml files ({size / 1000:.0f} kB each) in {elapsed:.1f} s "
        f"= {rate:,.0f} letters/s; {n:,} would take {n / rate:,.0f} s"
    )


if __name__ == "__main__":
    main()
