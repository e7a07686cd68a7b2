"""The send page's per-variant counts come from one grouped query (`ledger_plan.new_per_variant`);
the planner decides contact by contact (`core.delivery.plan`). On a register with every status,
paused contacts, rows already in the ledger and a contact of no known variant, both give the same
numbers, with the pause setting on and off, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from mailer.config import MissingFromRoster
from mailer.pipeline import Context
from mailer.pipeline.send.planning import plan_ledger
from mailer.store import ledger_plan
from tests.test_send_support import MONTH, NOW, add_contacts, person


def _register(ctx: Context) -> None:
    # every row names the same columns (a bulk insert takes the first row's)
    rows = [person(i, missing_since=None) for i in range(40)]
    for i, status in enumerate(["stale", "unsubscribed", "pending", "retired"] * 3):
        rows.append(person(100 + i, status=status, missing_since=None))
    rows += [person(200 + i, missing_since=NOW - timedelta(days=9)) for i in range(7)]
    rows.append(person(300, region="aland", missing_since=None))  # no such variant: skipped
    ids = add_contacts(ctx.engine, rows)
    with ctx.engine.begin() as conn:  # some already have a row of this edition
        ledger_plan.insert_planned(
            conn,
            [(f"d-{cid}", MONTH, cid, f"x{cid}@kunta.example", "hyks", "fi", "queued", 0)
             for cid in ids[:5]],
            queued_at=NOW,
        )  # fmt: skip


@pytest.mark.parametrize("setting", list(MissingFromRoster))
def test_the_grouped_count_equals_the_planners_dry_run(
    ctx: Context, setting: MissingFromRoster
) -> None:
    _register(ctx)
    settings = ctx.settings.model_copy(update={"missing_from_roster": setting})
    configured = Context(settings, ctx.engine)
    planned: Counter[str] = Counter()
    plan_ledger(configured, MONTH, None, None, dry_run=True, by_variant=planned)
    with ctx.engine.connect() as conn:
        counted = ledger_plan.new_per_variant(
            conn, MONTH, pause_missing=setting is MissingFromRoster.PAUSE
        )
    known = {f"{r}-{lang}": n for (r, lang), n in counted.items() if r != "aland"}
    assert known == {k: v for k, v in planned.items() if v}
    assert sum(known.values()) == (40 - 5) + (0 if setting is MissingFromRoster.PAUSE else 7)
