"""Roster import into the register, on SQLite and PostgreSQL: counts, provenance, re-import
keeps delivery state, missing from roster, one transaction, erasure, reactivation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from mailer.core.errors import ContactNotFoundError, StorageError
from mailer.core.models import ContactStatus, Language, Region
from mailer.pipeline import Context
from mailer.pipeline.contacts import (
    Reactivation,
    contact_details,
    erase_contact,
    list_contacts,
    reactivate_contact,
    register_summary,
)
from mailer.pipeline.roster import import_rosters
from mailer.store import contacts as store
from mailer.store import register, tables
from mailer.store.contacts import change_status
from mailer.store.tables import contact_history, contacts, deliveries, erasures, events

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta;Kieli;Rooli"
AINO = "Aino;Mäkelä;aino@espoo.example;Espoon kaupunki;Espoo;;"
BO = "Bo;Ek;bo@vasa.example;Vasa stad;Vasa;svenska;Elevvård"
CAY = "Cay;Berg;cay@oulu.example;Oulun kaupunki;Oulu;;Varhaiskasvatus"
SAMPLES = sorted(p for p in (ROOT / "recipients").iterdir() if p.suffix in (".csv", ".xlsx"))


def roster(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join((HEADER, *lines)) + "\r\n").encode("utf-8-sig"))
    return path


def count(ctx: Context, table: sa.Table) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def contact_row(ctx: Context, email: str) -> sa.RowMapping:
    with ctx.engine.connect() as conn:
        row = store.find_contact(conn, email)
    assert row is not None
    return row


def test_sample_rosters_build_the_register_and_a_second_import_changes_nothing(
    ctx: Context,
) -> None:
    first = import_rosters(ctx, SAMPLES)
    assert first.unreadable == [] and first.problems == [] and first.conflicts == []
    assert first.rows == first.accepted == 102
    assert (first.created, first.updated, first.unchanged) == (101, 0, 0)
    assert count(ctx, contacts) == 101
    second = import_rosters(ctx, SAMPLES)
    assert (second.created, second.updated, second.unchanged, second.missing) == (0, 0, 101, 0)
    karin = contact_details(ctx, "karin.holmstrom@raseborg.example")
    assert {(s["source"], s["line"]) for s in karin.sources} == {
        ("lyyti-vipu-yhdyshenkilot.csv", 39),
        ("vipu-kontaktpersoner-sv.csv", 2),
    }
    assert {c.region for c in list_contacts(ctx)} == {r.value for r in Region}
    summary = register_summary(ctx)
    assert (summary["contacts"], summary["by_status"]) == (101, {"active": 101})
    variants = summary["active_by_variant"]
    assert set(variants) == {f"{r.value}-{lang.value}" for r in Region for lang in Language}
    assert sum(variants.values()) == 101


def test_reimport_updates_roster_fields_and_never_resets_delivery_state(
    ctx: Context, tmp_path: Path
) -> None:
    path = roster(tmp_path, "a.csv", AINO, BO, CAY)
    import_rosters(ctx, [path])
    at = datetime(2026, 10, 1, tzinfo=UTC)
    aino, bo = contact_row(ctx, "aino@espoo.example"), contact_row(ctx, "bo@vasa.example")
    with ctx.engine.begin() as conn:
        change_status(conn, aino["id"], ContactStatus.STALE, at=at, kind="bounce", reason="5.1.1")
        change_status(conn, bo["id"], ContactStatus.UNSUBSCRIBED, at=at, kind="unsubscribe")
        conn.execute(sa.update(contacts).where(contacts.c.id == aino["id"]).values(soft_streak=2))

    renamed = roster(
        tmp_path,
        "a.csv",
        AINO.replace("Mäkelä", "Mäkelä-Virta"),
        BO,
        CAY.replace("Oulun", "Uuden Oulun"),
    )
    report = import_rosters(ctx, [renamed])

    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    assert report.changed_fields == {"last_name": 1, "organisation": 1}
    aino = contact_row(ctx, "aino@espoo.example")
    assert (aino["last_name"], aino["status"], aino["status_reason"], aino["soft_streak"]) == (
        "Mäkelä-Virta",
        "stale",
        "5.1.1",
        2,
    )
    assert contact_row(ctx, "bo@vasa.example")["status"] == "unsubscribed"
    assert count(ctx, contact_history) == 2


def test_contact_absent_from_a_newer_import_of_its_file_is_missing_not_deleted(
    ctx: Context, tmp_path: Path
) -> None:
    initial = import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, BO, CAY)])
    first = import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, CAY)])
    assert first.missing == 1
    # provenance: the people seen now carry this import; the missing one keeps when it was seen
    seen_at = {
        email: [(s["line"], s["imported_at"]) for s in contact_details(ctx, email).sources]
        for email in ("aino@espoo.example", "bo@vasa.example", "cay@oulu.example")
    }
    assert seen_at == {
        "aino@espoo.example": [(2, first.imported_at)],
        "bo@vasa.example": [(3, initial.imported_at)],
        "cay@oulu.example": [(3, first.imported_at)],
    }
    assert [(m.email, m.sources, m.newly_missing) for m in first.missing_contacts] == [
        ("bo@vasa.example", ["a.csv"], True)
    ]
    since = contact_row(ctx, "bo@vasa.example")["missing_since"]
    assert since is not None

    again = import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, CAY)])
    assert [(m.email, m.newly_missing) for m in again.missing_contacts] == [
        ("bo@vasa.example", False)
    ]
    assert contact_row(ctx, "bo@vasa.example")["missing_since"] == since

    # another file does not make anyone in a.csv missing
    other = import_rosters(ctx, [roster(tmp_path, "b.csv", AINO)])
    assert other.missing == 0

    back = import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, BO, CAY)])
    assert (back.missing, back.updated, back.changed_fields) == (0, 1, {"missing_since": 1})
    assert contact_row(ctx, "bo@vasa.example")["missing_since"] is None
    assert count(ctx, contacts) == 3


def test_leaving_one_file_while_another_still_names_you_is_not_missing(
    ctx: Context, tmp_path: Path
) -> None:
    import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, BO), roster(tmp_path, "b.csv", BO)])
    report = import_rosters(ctx, [roster(tmp_path, "a.csv", AINO)])
    assert report.missing == 0
    assert [(m.email, m.sources, m.still_in) for m in report.left_file] == [
        ("bo@vasa.example", ["a.csv"], ["b.csv"])
    ]
    bo = contact_details(ctx, "bo@vasa.example")
    assert (bo.missing_since, [s["source"] for s in bo.sources]) == (None, ["b.csv"])
    # no flip-flop: a.csv no longer vouches for bo, so its next import says nothing of bo
    again = import_rosters(ctx, [roster(tmp_path, "a.csv", AINO)])
    assert (again.missing, again.left_file) == (0, [])
    gone = import_rosters(ctx, [roster(tmp_path, "b.csv", CAY)])
    assert [(m.email, m.sources) for m in gone.missing_contacts] == [("bo@vasa.example", ["b.csv"])]


def test_moving_to_another_file_moves_the_provenance_and_is_not_missing(
    ctx: Context, tmp_path: Path
) -> None:
    import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, BO)])
    report = import_rosters(
        ctx, [roster(tmp_path, "a.csv", AINO), roster(tmp_path, "b.csv", CAY, BO)]
    )
    assert report.missing == 0
    bo = contact_details(ctx, "bo@vasa.example")
    assert [(s["source"], s["line"]) for s in bo.sources] == [("b.csv", 3)]


def test_unreadable_file_is_reported_the_others_imported_and_its_people_not_missing(
    ctx: Context, tmp_path: Path
) -> None:
    import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, BO)])
    (tmp_path / "a.csv").write_bytes(b"\x00\x01 corrupted")
    report = import_rosters(
        ctx, [tmp_path / "a.csv", roster(tmp_path, "b.csv", CAY), tmp_path / "gone.csv"]
    )
    assert report.unreadable == ["a.csv", "gone.csv"]
    assert [(p.file, p.line) for p in report.problems] == [("a.csv", None), ("gone.csv", None)]
    assert (report.created, report.missing) == (1, 0)
    assert count(ctx, contacts) == 3


def test_dry_run_reports_and_writes_nothing(ctx: Context, tmp_path: Path) -> None:
    report = import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, BO)], dry_run=True)
    assert (report.dry_run, report.created, report.import_id) == (True, 2, None)
    assert count(ctx, contacts) == 0
    assert count(ctx, tables.roster_imports) == 0


def test_a_crash_during_the_import_leaves_no_partial_state(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_rosters(ctx, [roster(tmp_path, "a.csv", AINO)])

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("power cut")

    # after the contacts are written, before the import is finished
    monkeypatch.setattr(register, "mark_missing", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        import_rosters(ctx, [roster(tmp_path, "a.csv", BO, CAY)])
    assert [c.email for c in list_contacts(ctx)] == ["aino@espoo.example"]
    assert count(ctx, tables.roster_imports) == 1
    assert contact_row(ctx, "aino@espoo.example")["missing_since"] is None


def test_a_conflicting_concurrent_write_rolls_back_with_a_storage_error(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_rosters(ctx, [roster(tmp_path, "a.csv", AINO)])
    # as if another import had created aino after this one read the register
    monkeypatch.setattr(register, "load_register", lambda _conn: [])
    with pytest.raises(StorageError, match=r"rolled back|bulk write to contacts failed") as err:
        import_rosters(ctx, [roster(tmp_path, "b.csv", BO, AINO)])
    assert "email" in str(err.value)  # the unique address constraint, named
    assert [c.email for c in list_contacts(ctx)] == ["aino@espoo.example"]
    assert count(ctx, tables.roster_imports) == 1


def test_rejected_rows_are_reported_and_the_good_rows_imported(
    ctx: Context, tmp_path: Path
) -> None:
    bad = "Bad;Row;not-an-email;Org;Espoo;;"
    aland = "Åsa;Ö;asa@mariehamn.example;Mariehamns stad;Mariehamn;;"
    report = import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, bad, "", aland)])
    assert (report.rows, report.accepted, report.rejected, report.created) == (3, 1, 2, 1)
    assert [(p.line, p.column) for p in report.problems] == [(3, "Sähköposti"), (5, "Kunta")]
    (summary,) = report.files
    assert (summary.lines, summary.blank_lines, summary.header_line) == (5, 1, 1)


def _ledger_and_events(ctx: Context, contact_id: int, email: str) -> None:
    now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    with ctx.engine.begin() as conn:
        for edition in ("2026-10", "2026-11"):
            delivery = conn.execute(
                sa.insert(deliveries)
                .values(
                    delivery_id=str(uuid.uuid4()),
                    edition=edition,
                    contact_id=contact_id,
                    email=email,
                    region="hyks",
                    language="fi",
                    state="accepted",
                    queued_at=now,
                )
                .returning(deliveries.c.id)
            ).scalar_one()
            conn.execute(
                sa.insert(events).values(
                    sg_event_id=str(uuid.uuid4()),
                    event_type="bounce",
                    raw_type="bounce",
                    email=email.upper(),
                    occurred_at=now,
                    received_at=now,
                    source="webhook",
                    delivery_pk=delivery,
                    contact_id=contact_id,
                    reason=f"550 5.1.1 <{email}>: user unknown",
                    raw={"email": email.upper(), "nested": [{"to": email}], "event": "bounce"},
                )
            )


def test_erase_leaves_only_anonymised_counts(ctx: Context, tmp_path: Path) -> None:
    import_rosters(ctx, [roster(tmp_path, "a.csv", AINO, BO)])
    aino = contact_row(ctx, "aino@espoo.example")
    _ledger_and_events(ctx, aino["id"], "aino@espoo.example")
    with ctx.engine.begin() as conn:
        change_status(conn, aino["id"], ContactStatus.STALE, at=ctx.now(), kind="bounce")

    report = erase_contact(ctx, " Aino@Espoo.example ")

    assert (report.deliveries, report.events, report.region) == (2, 2, "hyks")
    with ctx.engine.connect() as conn:
        assert store.find_contact(conn, "aino@espoo.example") is None
        assert conn.execute(sa.select(contact_history)).all() == []
        assert conn.execute(
            sa.select(erasures.c.region, erasures.c.deliveries, erasures.c.events)
        ).all() == [("hyks", 2, 2)]
        kept = conn.execute(
            sa.select(deliveries.c.email, deliveries.c.contact_id, deliveries.c.state)
        ).all()
        assert kept == [(None, None, "accepted"), (None, None, "accepted")]
        for email, contact_id, reason, raw in conn.execute(
            sa.select(events.c.email, events.c.contact_id, events.c.reason, events.c.raw)
        ):
            assert (email, contact_id) == (None, None)
            text = f"{reason} {raw}".lower()
            assert "aino" not in text and "[erased]" in text
            assert raw["event"] == "bounce"
        dump = " ".join(
            str(value)
            for table in (tables.roster_imports, tables.contact_sources)
            for row in conn.execute(sa.select(table))
            for value in row
        )
        assert "aino" not in dump.lower()
    assert [c.email for c in list_contacts(ctx)] == ["bo@vasa.example"]
    with pytest.raises(ContactNotFoundError):
        erase_contact(ctx, "aino@espoo.example")


def test_reactivate_sets_active_resets_the_streak_and_keeps_the_history(
    ctx: Context, tmp_path: Path
) -> None:
    import_rosters(ctx, [roster(tmp_path, "a.csv", AINO)])
    aino = contact_row(ctx, "aino@espoo.example")
    with ctx.engine.begin() as conn:
        change_status(conn, aino["id"], ContactStatus.STALE, at=ctx.now(), kind="bounce")
        conn.execute(sa.update(contacts).values(soft_streak=3))

    assert (
        reactivate_contact(ctx, "AINO@espoo.example", note="new mailbox works", by="Maija")
        is Reactivation.REACTIVATED
    )
    again = reactivate_contact(ctx, "aino@espoo.example", note="again")
    assert again is Reactivation.ALREADY_ACTIVE

    details = contact_details(ctx, "aino@espoo.example")
    assert (details.status, details.soft_streak) == ("active", 0)
    assert [(h["kind"], h["new_status"], h["actor"]) for h in details.history] == [
        ("bounce", "stale", None),
        ("reactivated", "active", "Maija"),
    ]
    assert details.history[1]["note"] == "new mailbox works"
