"""Bounce and edition reports on SQLite and PostgreSQL, from rows written straight to tables."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mailer.core.models import ContactStatus, Language, Region
from mailer.pipeline import Context
from mailer.pipeline.reports import BounceReport, RegionBounces, bounce_report, edition_report
from mailer.store.contacts import change_status
from tests.reports_data import T0, add_contact, add_delivery, add_event, build_scene


def _section(report: BounceReport, region: Region) -> RegionBounces:
    return next(s for s in report.regions if s.region is region)


def test_stale_contact_is_listed_with_its_evidence_and_last_good_delivery(ctx: Context) -> None:
    scene = build_scene(ctx.engine)
    hyks = _section(bounce_report(ctx), Region.HYKS)
    assert [c.contact_id for c in hyks.stale] == [scene.stale]
    entry = hyks.stale[0]
    assert entry.organisation == "Espoon kaupunki"
    assert entry.municipality == "Espoo"
    assert entry.role == "support"
    assert entry.last_delivered_at == T0 - timedelta(days=60)
    assert [(e.event_type, e.status, e.edition) for e in entry.evidence] == [
        ("bounce", "5.1.1", "2026-03")
    ]
    assert entry.evidence[0].reason == "550 5.1.1 The email account does not exist"
    assert entry.evidence[0].occurred_at == T0 + timedelta(hours=1)


def test_suspects_are_soft_streaks_and_unanswered_soft_bounces_only(ctx: Context) -> None:
    scene = build_scene(ctx.engine)
    hyks = _section(bounce_report(ctx), Region.HYKS)
    assert sorted(c.contact_id for c in hyks.suspect) == sorted(
        [scene.suspect_streak, scene.suspect_soft]
    )
    soft = next(c for c in hyks.suspect if c.contact_id == scene.suspect_soft)
    assert [(e.event_type, e.bounce_type, e.status) for e in soft.evidence] == [
        ("bounce", "blocked", "4.7.1")
    ]
    listed = {c.contact_id for c in [*hyks.stale, *hyks.suspect]}
    assert scene.healthy not in listed  # its soft bounce was followed by a delivery
    assert scene.unsubscribed not in listed  # unsubscribed is not a delivery problem


def test_the_suspect_threshold_is_the_bounce_policys_setting(ctx: Context) -> None:
    scene = build_scene(ctx.engine)
    policy = ctx.settings.policy.model_copy(update={"soft_editions_to_suspect": 2})
    strict = Context(ctx.settings.model_copy(update={"policy": policy}), ctx.engine)
    hyks = _section(bounce_report(strict), Region.HYKS)
    # one edition of soft failures is not yet suspect when the policy asks for two
    assert scene.suspect_streak not in {c.contact_id for c in hyks.suspect}
    assert scene.suspect_soft not in {c.contact_id for c in hyks.suspect}


def test_organisations_without_an_active_contact_per_region(ctx: Context) -> None:
    build_scene(ctx.engine)
    report = bounce_report(ctx)
    hyks = _section(report, Region.HYKS)
    gaps = {g.organisation: g for g in hyks.without_active_contact}
    # Espoo: its only contact is stale; Borgå: its only contact unsubscribed. Kauniainen keeps one.
    assert set(gaps) == {"Espoon kaupunki", "Borgå stad"}
    assert gaps["Borgå stad"].municipality == "Borgå"  # in the contact's language
    assert gaps["Borgå stad"].contacts == [
        "Karin Lindqvist <karin.lindqvist@borga.example> (unsubscribed)"
    ]
    assert [g.organisation for g in _section(report, Region.TYKS).without_active_contact] == [
        "Turun kaupunki"
    ]
    assert report.totals == {"stale": 2, "suspect": 2, "without_active_contact": 3}


def test_a_municipality_is_one_organisation_whatever_its_contacts_call_it(ctx: Context) -> None:
    with ctx.engine.begin() as conn:
        add_contact(conn, "a@espoo.example", organisation="Espoon kaupunki", status="stale")
        add_contact(conn, "b@espoo.example", organisation="Esbo stad", language="sv")
    hyks = _section(bounce_report(ctx), Region.HYKS)
    assert hyks.without_active_contact == []


def test_unlinked_events_are_matched_by_address(ctx: Context) -> None:
    scene = build_scene(ctx.engine)
    tyks = _section(bounce_report(ctx, region=Region.TYKS), Region.TYKS)
    assert [c.contact_id for c in tyks.stale] == [scene.other_region]
    assert [(e.event_type, e.reason) for e in tyks.stale[0].evidence] == [
        ("dropped", "Bounced Address")
    ]


def test_region_filter_limits_the_report_to_that_region(ctx: Context) -> None:
    build_scene(ctx.engine)
    report = bounce_report(ctx, region=Region.TYKS)
    assert [s.region for s in report.regions] == [Region.TYKS]
    assert report.totals["stale"] == 1


def test_since_keeps_only_contacts_with_news_since_then(ctx: Context) -> None:
    scene = build_scene(ctx.engine)
    with ctx.engine.begin() as conn:
        add_contact(
            conn,
            "old.stale@lahti.example",
            organisation="Lahden kaupunki",
            municipality="398",
            status="stale",
            status_changed_at=T0 - timedelta(days=200),
        )
    report = bounce_report(ctx, since=T0 - timedelta(days=1))
    hyks = _section(report, Region.HYKS)
    assert [c.contact_id for c in hyks.stale] == [scene.stale]
    # ...while the organisations list shows the present state, old or new.
    assert "Lahden kaupunki" in {g.organisation for g in hyks.without_active_contact}
    everything = _section(bounce_report(ctx), Region.HYKS)
    assert len(everything.stale) == 2


def test_json_shape_of_the_bounce_report(ctx: Context) -> None:
    build_scene(ctx.engine)
    data = bounce_report(ctx).model_dump(mode="json")
    assert set(data) == {"generated_at", "region", "since", "regions", "totals"}
    assert [r["region"] for r in data["regions"]] == [r.value for r in Region]
    stale = data["regions"][0]["stale"][0]
    assert stale["email"] == "anna.virtanen@espoo.example"
    assert stale["evidence"][0]["status"] == "5.1.1"
    assert stale["last_delivered_at"].startswith("2026-01-01")
    assert BounceReport.model_validate(data).totals == data["totals"]


def test_edition_report_counts_each_message_once_per_region_and_language(ctx: Context) -> None:
    accepted = T0
    with ctx.engine.begin() as conn:
        people = [add_contact(conn, f"p{i}@espoo.example") for i in range(6)]
        sv = add_contact(conn, "s@borga.example", language="sv", municipality="638")
        oys = add_contact(conn, "o@oulu.example", region="oys", municipality="564")
        d = [add_delivery(conn, c, "2026-03", accepted_at=accepted) for c in people[:4]]
        add_delivery(conn, people[4], "2026-03", state="failed")
        add_delivery(conn, people[5], "2026-03", state="queued")
        d_sv = add_delivery(conn, sv, "2026-03", language="sv", accepted_at=accepted)
        add_delivery(conn, oys, "2026-03", region="oys", accepted_at=accepted)
        add_delivery(conn, people[0], "2026-02", accepted_at=accepted - timedelta(days=30))
        for pk in (d[0], d[1]):
            add_event(conn, "delivered", delivery_pk=pk)
        add_event(conn, "bounce", delivery_pk=d[2], bounce_type="bounce")
        add_event(conn, "bounce", delivery_pk=d[2], bounce_type="bounce")  # twice: one message
        add_event(conn, "dropped", delivery_pk=d[3], reason="Invalid")
        add_event(conn, "delivered", delivery_pk=d_sv)
        add_event(conn, "spamreport", delivery_pk=d_sv)
        add_event(conn, "unsubscribe", delivery_pk=d[1])
    report = edition_report(ctx, "2026-03")
    cells = {(f.region, f.language): f for f in report.rows}
    assert len(cells) == 10
    fi = cells[(Region.HYKS, Language.FI)]
    assert (fi.planned, fi.accepted, fi.failed, fi.pending) == (6, 4, 1, 1)
    assert (fi.delivered, fi.bounced, fi.dropped, fi.unsubscribed) == (2, 1, 1, 1)
    sv_cell = cells[(Region.HYKS, Language.SV)]
    assert (sv_cell.planned, sv_cell.delivered, sv_cell.complained) == (1, 1, 1)
    assert cells[(Region.OYS, Language.FI)].planned == 1
    assert cells[(Region.KYS, Language.SV)].planned == 0
    assert report.total.planned == 8  # the 2026-02 delivery is another edition
    assert report.total.delivered == 3


def test_unsubscribe_through_our_link_counts_for_the_edition_last_received(ctx: Context) -> None:
    with ctx.engine.begin() as conn:
        a = add_contact(conn, "a@espoo.example")
        b = add_contact(conn, "b@espoo.example")
        add_delivery(conn, a, "2026-02", accepted_at=T0 - timedelta(days=30))
        add_delivery(conn, a, "2026-03", accepted_at=T0)
        add_delivery(conn, b, "2026-02", accepted_at=T0 - timedelta(days=30))
        add_delivery(conn, b, "2026-03", accepted_at=T0)
        # a left after the March letter; b left between February and March
        change_status(
            conn, a, ContactStatus.UNSUBSCRIBED, at=T0 + timedelta(days=2), kind="unsubscribed"
        )
        change_status(
            conn, b, ContactStatus.UNSUBSCRIBED, at=T0 - timedelta(days=10), kind="unsubscribed"
        )
    assert edition_report(ctx, "2026-03").total.unsubscribed == 1
    assert edition_report(ctx, "2026-02").total.unsubscribed == 1


@pytest.mark.parametrize("month", ["2030-01", "1999-12"])
def test_edition_report_of_an_unknown_month_is_all_zeros(ctx: Context, month: str) -> None:
    build_scene(ctx.engine)
    report = edition_report(ctx, month)
    assert report.edition == month
    assert report.total.planned == 0
    assert all(f.planned == 0 for f in report.rows)
