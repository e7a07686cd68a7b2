"""The ambiguity rule trusts only proof of a request: an event linked by address alone (a
suppression-list entry, an event without our custom_args) must never mark a crashed batch
accepted; an event carrying our delivery id does. How each event was linked is stored."""

from __future__ import annotations

import sqlalchemy as sa

from mailer.pipeline import Context
from mailer.pipeline.events import ingest_events
from mailer.pipeline.send.deliver import deliver
from mailer.store import ledger
from mailer.store.tables import events
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.fakes.webhook_client import sg_event
from tests.test_send_ledger import ledger_rows, sendgrid
from tests.test_send_support import MONTH, NOW, add_contacts, compiled_edition, people


def _crashed_batch(ctx: Context, per_variant: int = 3) -> list[sa.Row[tuple[int, str, str]]]:
    """The hyks-fi deliveries, claimed by a sender that died before posting them."""
    add_contacts(ctx.engine, people(10 * per_variant))  # people() cycles the ten variants
    deliver(ctx, MONTH, compiled_edition(), None)  # plan the ledger only
    with ctx.engine.begin() as conn:
        ledger.claim_batch(
            conn,
            batch_id="b-crashed",
            edition=MONTH,
            region="hyks",
            language="fi",
            limit=10,
            worker="gone-host:1:x",
            now=NOW,
        )
        d = ledger.deliveries.c
        return list(
            conn.execute(sa.select(d.id, d.delivery_id, d.email).where(d.batch_id == "b-crashed"))
        )


def _linked_by(ctx: Context) -> dict[str, str | None]:
    with ctx.engine.connect() as conn:
        return dict(conn.execute(sa.select(events.c.sg_event_id, events.c.linked_by)).all())


def test_an_address_only_event_never_proves_a_batch_but_our_delivery_id_does(
    ctx: Context, fake_sendgrid: FakeSendGrid
) -> None:
    rows = _crashed_batch(ctx)
    sg_ctx, provider = sendgrid(ctx, fake_sendgrid)
    member = rows[0]
    # e.g. `bounces sync`, or a SendGrid event without our custom_args, for one member
    ingest_events(sg_ctx, [sg_event("bounce", member.email, event_id="no-args", edition=MONTH)])
    assert _linked_by(ctx) == {"no-args": "address"}

    second = deliver(sg_ctx, MONTH, compiled_edition(), provider)
    assert (second.resolved_by_evidence, second.ambiguous) == (0, len(rows))
    assert all(fake_sendgrid.sent_to(r.email) == 0 for r in rows)  # and never re-sent
    assert {r.state for r in ledger_rows(ctx) if r.batch_id == "b-crashed"} == {"sending"}

    ingest_events(
        sg_ctx,
        [sg_event("processed", member.email, event_id="ours", delivery_id=member.delivery_id)],
    )
    assert _linked_by(ctx)["ours"] == "delivery_id"
    third = deliver(sg_ctx, MONTH, compiled_edition(), provider)
    assert (third.resolved_by_evidence, third.ambiguous) == (len(rows), 0)
    assert all(fake_sendgrid.sent_to(r.email) == 0 for r in rows)
    assert {r.state for r in ledger_rows(ctx) if r.batch_id == "b-crashed"} == {"accepted"}


def test_a_message_id_link_is_recorded_as_such(ctx: Context, fake_sendgrid: FakeSendGrid) -> None:
    add_contacts(ctx.engine, people(3))
    sg_ctx, provider = sendgrid(ctx, fake_sendgrid)
    deliver(sg_ctx, MONTH, compiled_edition(), provider)
    sent = ledger_rows(ctx)[0]
    ingest_events(
        sg_ctx,
        [
            sg_event(
                "delivered", sent.email, event_id="by-mid", sg_message_id=f"{sent.message_id}.x1"
            ),
            sg_event("delivered", "stranger@nowhere.example", event_id="nobody"),
        ],
    )
    assert _linked_by(ctx) == {"by-mid": "message_id", "nobody": None}


def test_the_migration_classifies_the_events_already_stored(ctx: Context) -> None:
    from alembic import command

    from mailer.store.base import _alembic_config, migrate

    rows = _crashed_batch(ctx)
    with ctx.engine.begin() as conn:
        conn.execute(
            sa.update(ledger.send_batches)
            .where(ledger.send_batches.c.id == "b-crashed")
            .values(message_id="MsgPrefix")
        )
    engine = ctx.engine
    command.downgrade(_alembic_config(engine), "0007")
    try:
        stored = sa.table(
            "events",
            *(sa.column(n) for n in ("sg_event_id", "delivery_pk", "contact_id", "sg_message_id")),
            sa.column("raw", sa.JSON),
            *(sa.column(n) for n in ("event_type", "raw_type", "occurred_at", "received_at")),
            sa.column("source"),
        )
        common = {
            "event_type": "delivered",
            "raw_type": "delivered",
            "occurred_at": NOW.replace(tzinfo=None),
            "received_at": NOW.replace(tzinfo=None),
            "source": "webhook",
            "delivery_pk": None,
            "sg_message_id": None,
            "raw": {},
        }
        with engine.begin() as conn:
            conn.execute(
                sa.insert(stored),
                [
                    {
                        **common,
                        "sg_event_id": "by-id",
                        "delivery_pk": rows[0].id,
                        "raw": {"delivery_id": rows[0].delivery_id},
                    },
                    {
                        **common,
                        "sg_event_id": "by-mid",
                        "delivery_pk": rows[1].id,
                        "sg_message_id": "MsgPrefix.filter-1",
                    },
                    {**common, "sg_event_id": "by-address", "delivery_pk": rows[2].id},
                    {**common, "sg_event_id": "unlinked"},
                ],
            )
    finally:
        migrate(engine)
    assert _linked_by(ctx) == {
        "by-id": "delivery_id",
        "by-mid": "message_id",
        "by-address": "address",
        "unlinked": None,
    }
