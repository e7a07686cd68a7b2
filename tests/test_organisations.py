"""Organisations and their VIPU contacts: the pure grouping, the pipeline on SQLite and
PostgreSQL, and `mailer organisations list` through the real Typer app."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailer.cli import app
from mailer.core.models import ContactStatus, Region
from mailer.core.register.organisations import (
    ContactRow,
    SpellingCount,
    group_organisations,
    organisation_key,
    summarise_organisations,
)
from mailer.pipeline import Context
from mailer.pipeline.organisations import list_organisations
from tests.reports_data import add_contact


def _row(contact_id: int, organisation: str, **fields: object) -> ContactRow:
    values: dict[str, object] = {
        "contact_id": contact_id,
        "first_name": "Anna",
        "last_name": "Virtanen",
        "email": f"c{contact_id}@org.example",
        "organisation": organisation,
        "org_type": "private",
        "municipality": "091",
        "region": Region.HYKS,
        "language": "fi",
        "role": "support",
        "status": ContactStatus.ACTIVE,
        "status_changed_at": None,
    }
    values.update(fields)
    return ContactRow(**values)  # type: ignore[arg-type]


def test_a_municipality_is_one_organisation_whatever_its_contacts_call_it() -> None:
    rows = [
        _row(1, "Espoon kaupunki", org_type="municipality", municipality="049"),
        _row(2, "Esbo stad", org_type="municipality", municipality="049"),
    ]
    [org] = group_organisations(rows)
    assert [m.contact_id for m in org.members] == [1, 2]
    # on a tie the alphabetically first spelling, so the name never depends on row order
    assert org.name == "Esbo stad"
    [again] = group_organisations(
        [*reversed(rows), _row(3, "Espoon kaupunki", org_type="municipality", municipality="049")]
    )
    assert again.name == "Espoon kaupunki"  # most rosters spell it so


def test_other_organisations_differ_by_name_but_not_by_case_or_spacing() -> None:
    rows = [
        _row(1, "Koulu  Oy"),
        _row(2, "koulu oy"),
        _row(3, "Toinen koulu"),
    ]
    found = group_organisations(rows)
    assert sorted(len(o.members) for o in found) == [1, 2]
    assert organisation_key(Region.KYS, "private", None, " A  B ") == organisation_key(
        Region.KYS, "private", "297", "a b"
    )


def test_the_same_name_in_two_regions_is_two_organisations() -> None:
    found = group_organisations([_row(1, "Koulu Oy"), _row(2, "Koulu Oy", region=Region.OYS)])
    assert [o.region for o in found] == [Region.HYKS, Region.OYS]


def test_an_organisation_has_an_active_contact_only_when_one_is_active() -> None:
    stale_only = group_organisations(
        [
            _row(1, "A", status=ContactStatus.STALE),
            _row(2, "A", status=ContactStatus.UNSUBSCRIBED),
        ]
    )
    mixed = group_organisations([_row(1, "B", status=ContactStatus.STALE), _row(2, "B")])
    assert [o.has_active_contact for o in stale_only + mixed] == [False, True]


def _scene(ctx: Context) -> None:
    with ctx.engine.begin() as conn:
        add_contact(conn, "aino@espoo.example")
        add_contact(conn, "eero@espoo.example", status="unsubscribed")
        add_contact(conn, "bo@espoo.example", organisation="Esbo stad", status="stale")
        add_contact(
            conn,
            "cay@koulu.example",
            organisation="Koulu Oy",
            org_type="private",
            municipality="297",
            region="kys",
            status="unsubscribed",
        )


def test_list_organisations_reads_the_register_and_filters(ctx: Context) -> None:
    _scene(ctx)
    every = list_organisations(ctx)
    assert [(o.region, o.name, o.has_active_contact) for o in every] == [
        (Region.HYKS, "Espoon kaupunki", True),
        (Region.KYS, "Koulu Oy", False),
    ]
    assert [o.name for o in list_organisations(ctx, without_contact=True)] == ["Koulu Oy"]
    assert list_organisations(ctx, region=Region.OYS) == []
    [hyks] = list_organisations(ctx, region=Region.HYKS)
    assert sorted((m.email, m.status) for m in hyks.members) == [
        ("aino@espoo.example", ContactStatus.ACTIVE),
        ("bo@espoo.example", ContactStatus.STALE),
        ("eero@espoo.example", ContactStatus.UNSUBSCRIBED),
    ]


def test_cli_lists_organisations_as_json(
    ctx: Context, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _scene(ctx)
    monkeypatch.setenv("MAILER_DATABASE_URL", db_url)
    monkeypatch.setenv("MAILER_VAR_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(
        app, ["organisations", "list", "--without-contact", "--region", "KYS", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    [org] = json.loads(result.stdout)
    assert (org["name"], org["region"], org["has_active_contact"]) == ("Koulu Oy", "kys", False)
    assert org["municipality_name"] == "Kuopio"
    assert [c["status"] for c in org["contacts"]] == ["unsubscribed"]


def test_cli_names_an_unknown_region() -> None:
    result = CliRunner().invoke(app, ["organisations", "list", "--region", "lapland"])
    assert result.exit_code == 2
    assert "--region" in result.stderr and "lapland" in result.stderr


def test_the_counted_summary_agrees_with_the_full_grouping() -> None:
    rows = [
        _row(1, "Espoon kaupunki", org_type="municipality", municipality="049"),
        _row(2, "Esbo stad", org_type="municipality", municipality="049"),
        _row(3, "Espoon kaupunki", org_type="municipality", municipality="049",
             status=ContactStatus.STALE),
        _row(4, "Koulu  Oy", status=ContactStatus.UNSUBSCRIBED),
        _row(5, "koulu oy", status=ContactStatus.STALE),
        _row(6, "Koulu Oy", region=Region.OYS),
    ]  # fmt: skip
    counted: Counter[tuple[Region, str, str | None, str, ContactStatus]] = Counter(
        (r.region, r.org_type, r.municipality, r.organisation, r.status) for r in rows
    )
    summaries = summarise_organisations(
        SpellingCount(*key, contacts=n) for key, n in counted.items()
    )
    full = group_organisations(rows)
    assert [(s.region, s.org_type, s.name) for s in summaries] == [
        (o.region, o.org_type, o.name) for o in full
    ]
    assert [s.counts for s in summaries] == [
        dict(Counter(m.status for m in o.members)) for o in full
    ]
    assert [s.has_active_contact for s in summaries] == [o.has_active_contact for o in full]
    assert [s.total for s in summaries] == [3, 2, 1]
