"""Reports for admins: who went stale or looks suspect per region and why, which organisations
are left without a working VIPU contact, and an edition's delivery figures.

Read-only: every report runs in one read transaction so its figures are consistent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy.engine import RowMapping

from mailer.core.models import ContactStatus, DeliveryState, Language, Region
from mailer.core.regions import REGION_NAMES, find_municipality
from mailer.core.register.organisations import OrganisationKey, organisation_key
from mailer.core.reports.models import (
    BounceReport,
    ContactEntry,
    EditionFigures,
    EditionReport,
    EvidenceItem,
    OrganisationGap,
    RegionBounces,
)
from mailer.pipeline.context import Context
from mailer.store import ledger_plan
from mailer.store import reports as q

__all__ = [
    "BounceReport",
    "ContactEntry",
    "EditionFigures",
    "EditionReport",
    "EvidenceItem",
    "OrganisationGap",
    "RegionBounces",
    "bounce_report",
    "edition_report",
]

EVIDENCE_PER_CONTACT = 5
UNSUBSCRIBE_EVENTS = {"unsubscribe", "group_unsubscribe"}


def _municipality_name(code: str | None, language: str) -> str | None:
    found = find_municipality(code) if code else None
    if found is None:
        return code
    return found.name_sv if language == Language.SV.value else found.name_fi


def _org_key(row: RowMapping) -> OrganisationKey:
    return organisation_key(
        Region(row["region"]), str(row["org_type"]), row["municipality"], str(row["organisation"])
    )


_WATCHED = frozenset({ContactStatus.ACTIVE.value, ContactStatus.STALE.value})


def bounce_report(
    ctx: Context, *, region: Region | None = None, since: datetime | None = None
) -> BounceReport:
    """Stale and suspect contacts per region with their evidence, and the organisations left
    without an active contact. `since` limits the stale and suspect lists to contacts with a status
    change or evidence since then (the organisations list always shows the present state)."""
    with ctx.engine.connect() as conn:
        key = region.value if region else None
        # only the contacts the report can name, and the organisations that have an active one:
        # not the whole register (a page must answer fast at tens of thousands of contacts)
        rows = q.contact_rows(conn, region=key, watched=True)
        active = {
            organisation_key(Region(r), str(t), m, str(o))
            for r, t, m, o in q.active_organisations(conn, region=key)
        }
        events_by_contact = _group_evidence(q.evidence_events(conn, region=key))
        delivered = q.delivered_at_by_contact(conn, region=key)
    sections = {r: _empty_section(r) for r in ([region] if region else list(Region))}
    suspect_after = ctx.settings.policy.soft_editions_to_suspect
    for row in rows:
        # Only a mailed address can go stale or look suspect: unsubscribed, pending and
        # retired contacts are nobody's delivery problem.
        if row["status"] not in _WATCHED or row["region"] not in sections:
            continue
        cid = int(row["id"])
        evidence = [e for e in events_by_contact.get(cid, []) if since is None or e[0] >= since]
        entry = _watched(row, evidence, delivered.get(cid), suspect_after, since)
        if entry is not None:
            section = sections[Region(row["region"])]
            (section.stale if entry.verdict == "stale" else section.suspect).append(entry)
    _add_gaps(sections, rows, active)
    return BounceReport(
        generated_at=ctx.now(), region=region, since=since, regions=list(sections.values())
    )


def _watched(
    row: RowMapping,
    evidence: list[tuple[datetime, EvidenceItem, bool]],
    delivered: datetime | None,
    suspect_after: int,
    since: datetime | None,
) -> ContactEntry | None:
    """The contact's entry when they are stale or suspect (and, with `since`, changed or with
    evidence since then)."""
    last_good = max(
        (d for d in (row["last_delivered_at"], delivered) if d is not None), default=None
    )
    verdict = _verdict(row, evidence, last_good, suspect_after)
    if verdict is None:
        return None
    changed = row["status_changed_at"]
    if since is not None and not evidence and (changed is None or changed < since):
        return None
    return _entry(row, verdict, last_good, [e[1] for e in evidence[:EVIDENCE_PER_CONTACT]])


def _add_gaps(
    sections: dict[Region, RegionBounces],
    rows: Sequence[RowMapping],
    active: set[OrganisationKey],
) -> None:
    """The organisations in these sections that have no active contact left (all their contacts
    are in `rows`: no active one, so every one is watched)."""
    for org, members in _organisations(rows).items():
        if org.region in sections and org not in active:
            sections[org.region].without_active_contact.append(_gap(members))


def _empty_section(region: Region) -> RegionBounces:
    return RegionBounces(
        region=region,
        name_fi=REGION_NAMES[region][Language.FI],
        name_sv=REGION_NAMES[region][Language.SV],
    )


def _group_evidence(
    found: Sequence[RowMapping],
) -> dict[int, list[tuple[datetime, EvidenceItem, bool]]]:
    """Evidence per contact, newest first, with a flag for soft evidence."""
    grouped: dict[int, list[tuple[datetime, EvidenceItem, bool]]] = defaultdict(list)
    for ev in found:
        item = EvidenceItem(
            event_type=ev["event_type"],
            occurred_at=ev["occurred_at"],
            status=ev["status"],
            reason=ev["reason"],
            bounce_type=ev["bounce_type"],
            classification=ev["classification"],
            edition=ev["edition"],
            source=ev["source"],
        )
        grouped[int(ev["contact_id"])].append((ev["occurred_at"], item, bool(ev["soft"])))
    return grouped


def _verdict(
    row: RowMapping,
    evidence: list[tuple[datetime, EvidenceItem, bool]],
    last_good: datetime | None,
    suspect_after: int,
) -> Literal["stale", "suspect"] | None:
    if row["status"] == ContactStatus.STALE:
        return "stale"
    if row["status"] != ContactStatus.ACTIVE:
        return None
    # The same threshold as the bounce policy's (settings.policy), so the two never disagree.
    if row["soft_streak"] >= suspect_after:
        return "suspect"
    if suspect_after > 1:
        return None
    # Soft evidence that no later delivery has answered: the address may be failing.
    unresolved = [at for at, _, soft in evidence if soft and (last_good is None or at > last_good)]
    return "suspect" if unresolved else None


def _entry(
    row: RowMapping,
    verdict: Literal["stale", "suspect"],
    last_good: datetime | None,
    ev: list[EvidenceItem],
) -> ContactEntry:
    return ContactEntry(
        contact_id=row["id"],
        email=row["email"],
        name=f"{row['first_name']} {row['last_name']}".strip(),
        organisation=row["organisation"],
        org_type=row["org_type"],
        municipality=_municipality_name(row["municipality"], row["language"]),
        role=row["role"],
        language=row["language"],
        status=row["status"],
        verdict=verdict,
        since=row["status_changed_at"],
        status_reason=row["status_reason"],
        soft_streak=row["soft_streak"],
        last_delivered_at=last_good,
        evidence=ev,
    )


def _organisations(rows: Sequence[RowMapping]) -> dict[OrganisationKey, list[RowMapping]]:
    grouped: dict[OrganisationKey, list[RowMapping]] = defaultdict(list)
    for row in rows:
        grouped[_org_key(row)].append(row)
    return grouped


def _gap(members: list[RowMapping]) -> OrganisationGap:
    first = members[0]
    changes = [m["status_changed_at"] for m in members if m["status_changed_at"] is not None]
    return OrganisationGap(
        organisation=first["organisation"],
        org_type=first["org_type"],
        municipality=_municipality_name(first["municipality"], first["language"]),
        contacts=[
            f"{m['first_name']} {m['last_name']} <{m['email']}> ({m['status']})" for m in members
        ],
        last_change=max(changes, default=None),
    )


# --- edition figures ---------------------------------------------------------------------------


def edition_report(ctx: Context, month: str) -> EditionReport:
    """Per region x language: planned / accepted / delivered / bounced / dropped / unsubscribed /
    failed, counted per delivery (a message with two bounce events is one bounced message).
    The states come from one grouped query; only deliveries with events or an unsubscribed
    contact are read row by row."""
    with ctx.engine.connect() as conn:
        states = ledger_plan.variant_states(conn, month)
        news = q.edition_deliveries(conn, month)
        kinds: dict[int, set[str]] = defaultdict(set)
        for pk, kind in q.edition_event_types(conn, month):
            kinds[pk].add(kind)
        left: dict[int, list[datetime]] = defaultdict(list)
        for cid, at, _source in q.unsubscribe_history(conn, month):
            left[cid].append(at)
        next_letter = q.next_letter_at(conn, month)
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for (region, language), by_state in states.items():
        counts[(region, language)].update(
            {
                "planned": sum(by_state.values()),
                "accepted": by_state.get(DeliveryState.ACCEPTED, 0),
                "failed": by_state.get(DeliveryState.FAILED, 0),
                "pending": by_state.get(DeliveryState.QUEUED, 0)
                + by_state.get(DeliveryState.SENDING, 0),
            }
        )
    for d in news:
        seen = kinds.get(int(d["id"]), set())
        flags = {
            "delivered": "delivered" in seen,
            "bounced": "bounce" in seen,
            "dropped": "dropped" in seen,
            "complained": "spamreport" in seen,
            "unsubscribed": bool(seen & UNSUBSCRIBE_EVENTS) or _left_after(d, left, next_letter),
        }
        counts[(d["region"], d["language"])].update(name for name, hit in flags.items() if hit)
    rows = [
        EditionFigures(region=r, language=lang, **counts.get((r.value, lang.value), Counter()))
        for r in Region
        for lang in Language
    ]
    total: Counter[str] = sum(counts.values(), Counter())
    return EditionReport(
        edition=month,
        generated_at=ctx.now(),
        rows=rows,
        total=EditionFigures(region=None, language=None, **total),
    )


def _left_after(
    delivery: RowMapping,
    left: dict[int, list[datetime]],
    next_letter: dict[int, datetime],
) -> bool:
    """An unsubscribe through our own link counts for the edition the person last received:
    after this delivery was accepted and before the next letter went to them."""
    cid, accepted = delivery["contact_id"], delivery["accepted_at"]
    if cid is None or accepted is None:
        return False
    until = next_letter.get(int(cid))
    return any(at >= accepted and (until is None or at < until) for at in left.get(int(cid), []))
