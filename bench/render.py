"""Rendering benchmark: stage 1 once per variant + stage 2 per recipient, against the naive way
(Jinja2 -> MJML -> HTML for every recipient), in the same run.

    .venv/bin/python bench/render.py [--recipients 100000] [--naive 200]

Costs are CPU time of this process (time.process_time), so a busy shared machine does not
inflate them. Prints per-variant and per-recipient costs, the naive cost measured on a sample and
extrapolated to all recipients, the speed-up, and peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

import jinja2

from mailer.config import Settings
from mailer.core.edition.catalogue import parse_catalogue, role_labels
from mailer.core.edition.letter import all_variants, build_view
from mailer.core.edition.render import make_environment, personalise, render_letter, substitutions
from mailer.core.models import Recipient, Role
from mailer.pipeline import Context
from mailer.pipeline.editions.check import compile_edition, load_edition
from mailer.pipeline.editions.revisions import import_edition

ROOT = Path(__file__).resolve().parent.parent
MONTH = "2026-11"
ROLES = list(Role)


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _recipients(count: int) -> list[Recipient]:
    # 1000 distinct made-up people, cycled: building 100k pydantic models is not rendering.
    return [
        Recipient(
            delivery_id=f"00000000-0000-4000-8000-{i:012d}",
            email=f"vipu.{i}@kunta{i % 300}.example",
            first_name=f"Etunimi{i}",
            last_name=f"Sukunimi & {i}",
            organisation=f"Kunta {i % 300} <sivistystoimi>",
            role=ROLES[i % len(ROLES)],
            unsubscribe_url=f"https://vipu.example/u/token-{i:08d}",
            unsubscribe_mailto=f"mailto:unsubscribe@vip-verkosto.example?subject=u-{i}",
            page_url=f"https://vipu.example/p/page-{i:08d}",
        )
        for i in range(min(count, 1000))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=200, help="naive sample size")
    parser.add_argument("--stage1-rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{tmp}/editions.db",
            letters_dir=ROOT / "letters",
            templates_dir=ROOT / "templates",
            var_dir=Path(tmp) / "var",
        )
        ctx = Context(settings)  # a scratch database: only the edition is stored in it
        import_edition(ctx, settings.letters_dir / f"{MONTH}.yaml", "bench")

        # --- stage 1: all 10 variants, a few rounds (the first includes template compilation)
        rounds = []
        for _ in range(args.stage1_rounds):
            t0 = time.process_time()
            compiled = compile_edition(ctx, MONTH)
            rounds.append(time.process_time() - t0)
        variants = list(compiled.values())
        stage1_total = statistics.median(rounds)
        per_variant = stage1_total / len(variants)
        rss_after_stage1 = _max_rss_mb()

        # --- stage 2: every recipient, personalised from the compiled variants
        people = _recipients(args.recipients)
        out_bytes = 0
        t0 = time.process_time()
        for i in range(args.recipients):
            message = personalise(variants[i % len(variants)], people[i % len(people)])
            out_bytes += len(message.html) + len(message.text)
        stage2_total = time.process_time() - t0
        per_recipient = stage2_total / args.recipients
        rss_after_stage2 = _max_rss_mb()

        # --- the SendGrid path of stage 2: only the substitution map per personalization
        t0 = time.process_time()
        for i in range(args.recipients):
            substitutions(variants[i % len(variants)], people[i % len(people)])
        subs_per_recipient = (time.process_time() - t0) / args.recipients

        # --- naive: view + Jinja2 + MJML for each recipient (sample, extrapolated)
        edition = load_edition(ctx, MONTH)
        env = make_environment(jinja2.FileSystemLoader(settings.templates_dir / "letter"))
        catalogues = {
            v.language: parse_catalogue(
                (settings.templates_dir / "i18n" / f"{v.language.value}.yaml").read_text(
                    encoding="utf-8"
                ),
                "catalogue",
            )
            for v in all_variants()
        }
        order = all_variants()
        render_only = 0.0
        t0 = time.process_time()
        for i in range(args.naive):
            variant = order[i % len(order)]
            person = people[i % len(people)]
            catalogue = catalogues[variant.language]
            view = build_view(
                edition, variant, catalogue, zone=ctx.zone, sender_address=settings.sender_address
            )
            values = {
                "first_name": person.first_name,
                "last_name": person.last_name,
                "organisation": person.organisation,
                "role": role_labels(catalogue)[person.role.value],
                "unsubscribe_url": person.unsubscribe_url,
                "page_url": person.page_url,
            }
            r0 = time.process_time()
            render_letter(env, view, variant, values, values)
            render_only += time.process_time() - r0
        naive_per_recipient = (time.process_time() - t0) / args.naive
        naive_render_only = render_only / args.naive
        rss_end = _max_rss_mb()

    n = args.recipients
    ours_total = stage1_total + stage2_total
    naive_total = naive_per_recipient * n
    print(f"edition {MONTH}: {len(variants)} variants, {n:,} recipients")
    print(
        f"stage 1: {stage1_total * 1000:8.1f} ms for 10 variants = "
        f"{per_variant * 1000:.2f} ms/variant"
    )
    print(
        f"stage 2: {stage2_total:8.2f} s for {n:,} recipients = "
        f"{per_recipient * 1e6:.1f} us/recipient"
        f" ({out_bytes / n / 1024:.1f} KiB html+text each)"
    )
    print(f"stage 2, SendGrid substitutions only: {subs_per_recipient * 1e6:.1f} us/recipient")
    print(
        f"naive:   {naive_per_recipient * 1000:8.2f} ms/recipient (view+Jinja+MJML; "
        f"Jinja+MJML alone {naive_render_only * 1000:.2f} ms), measured on {args.naive}, "
        f"extrapolated {naive_total:.1f} s for {n:,}"
    )
    print(
        f"speed-up per recipient: {naive_per_recipient / per_recipient:.0f}x "
        f"(vs Jinja+MJML alone {naive_render_only / per_recipient:.0f}x); "
        f"whole edition {naive_total / ours_total:.0f}x ({ours_total:.1f} s vs {naive_total:.1f} s)"
    )
    print(
        f"peak memory (max RSS): {rss_after_stage1:.0f} MiB after stage 1, "
        f"{rss_after_stage2:.0f} MiB after stage 2, {rss_end:.0f} MiB at the end"
    )


if __name__ == "__main__":
    main()
