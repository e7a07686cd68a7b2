"""Roster import: read the files, parse and merge them (pure core), write the register.

One transaction per import: a crash or an error leaves the register as it was (no partial
state). Per file, every line is accounted for (header, blank, accepted or rejected row); an
unreadable file is reported and the other files are still imported. Sources are tracked by file
name: re-importing a newer export under the same name is what marks people "missing".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.config import MissingFromRoster
from mailer.core.appointments.plan import registry_addresses
from mailer.core.errors import StorageError
from mailer.core.roster.merge import (
    ROSTER_FIELDS,
    MergeConflict,
    RegisterDiff,
    RegisterEntry,
    diff_register,
    merge_rows,
)
from mailer.core.roster.read import LIMITS
from mailer.core.roster.reasons import Reason, RosterCode
from mailer.core.roster.rows import RosterFile, RosterProblem, parse_roster
from mailer.pipeline.contacts import address_hash
from mailer.pipeline.context import Context
from mailer.pipeline.roster_held import held_back_warnings
from mailer.pipeline.roster_report import (
    CreatedReport,
    FileSummary,
    ImportReport,
    MissingReport,
    UpdatedReport,
    plan_digest,
)
from mailer.store import register as store
from mailer.store.appointments import save_addresses
from mailer.store.contacts import erased_on

__all__ = [
    "CreatedReport",
    "FileSummary",
    "ImportReport",
    "MissingReport",
    "PlanChangedError",
    "UpdatedReport",
    "import_parsed",
    "import_rosters",
    "parse_upload",
]


def _read_files(paths: Sequence[Path]) -> list[RosterFile]:
    parsed: list[RosterFile] = []
    names: set[str] = set()
    for path in paths:
        name = path.name
        if name in names:
            parsed.append(_unreadable(name, Reason.of(RosterCode.DUPLICATE_FILE_NAME)))
            continue
        names.add(name)
        try:
            with path.open("rb") as handle:  # one byte past the bound is enough to refuse it
                data = handle.read(LIMITS.file_bytes + 1)
        except OSError as err:
            reason = Reason.of(RosterCode.FILE_READ_FAILED, path=path, detail=err.strerror or err)
            parsed.append(_unreadable(name, reason))
            continue
        parsed.append(parse_roster(name, data))
    return parsed


def _unreadable(name: str, reason: Reason) -> RosterFile:
    problem = RosterProblem.of(name, None, None, reason)
    return RosterFile(file=name, readable=False, problems=[problem])


def _summary(parsed: RosterFile) -> FileSummary:
    return FileSummary(
        file=parsed.file,
        readable=parsed.readable,
        format=parsed.format,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        lines=parsed.lines,
        header_line=parsed.header_line,
        blank_lines=len(parsed.blank_lines),
        continuation_lines=parsed.continuation_lines,
        rows=len(parsed.rows) + parsed.rejected,
        accepted=len(parsed.rows),
        rejected=parsed.rejected,
        ignored_columns=parsed.ignored_columns,
    )


Pairs = dict[tuple[int, str], int]  # (contact_id, source) -> line


def _register(conn: Connection, sources: set[str]) -> tuple[dict[str, RegisterEntry], Pairs]:
    """The register keyed by email with every contact's files (two queries), and the
    provenance rows of the imported files."""
    existing: Pairs = {}
    by_contact: dict[int, set[str]] = {}
    for contact_id, source, line in store.load_sources(conn):
        if source in sources:
            existing[contact_id, source] = line
        by_contact.setdefault(contact_id, set()).add(source)
    register: dict[str, RegisterEntry] = {}
    nobody: frozenset[str] = frozenset()
    for stored in store.load_register(conn):
        found = by_contact.get(stored.id)
        register[stored.email] = RegisterEntry(
            stored.id,
            stored.email,
            stored.values,
            stored.missing,
            frozenset(found) if found else nobody,
        )
    return register, existing


def _write(
    conn: Connection,
    diff: RegisterDiff,
    *,
    existing: Pairs,
    sources: set[str],
    now: datetime,
    import_id: int,
) -> None:
    created = store.insert_contacts(
        conn,
        [
            (
                c.email, c.first_name, c.last_name, c.organisation, c.org_type.value,
                c.municipality, c.region.value, c.language.value, c.role.value, c.title,
            )
            for c in diff.created
        ],
        now,
    )  # fmt: skip
    # Seen contacts are no longer missing: update_contacts clears missing_since.
    store.update_contacts(
        conn,
        [(u.id, *u.values) for u in diff.updated],
        now,
    )
    insert: list[tuple[int, str, int]] = []
    update: list[tuple[int, str, int]] = []
    delete: list[tuple[int, str]] = []
    seen = [(created[c.email], c) for c in diff.created]
    seen += [(u.id, u.contact) for u in diff.updated + diff.unchanged]
    for contact_id, contact in seen:
        for source, line in contact.sources.items():
            before = existing.get((contact_id, source))
            if before is None:
                insert.append((contact_id, source, line))
            elif before != line:
                update.append((contact_id, source, line))
        if len(contact.sources) < len(sources):
            # Named before by a file of this import that no longer has them: provenance
            # moves on.
            delete.extend(
                (contact_id, source)
                for source in sources - contact.sources.keys()
                if (contact_id, source) in existing
            )
    # Gone from an imported file but named by another: that file no longer vouches for them.
    delete.extend((m.id, source) for m in diff.left for source in m.sources)
    store.write_sources(
        conn, import_id=import_id, at=now, insert=insert, update=update, delete=delete
    )
    store.mark_missing(conn, [m.id for m in diff.missing], now)
    # Everyone seen now (missing_since is NULL after the two calls above) gets this import's
    # id and time on their provenance rows: one set-based statement instead of 100,000.
    store.touch_sources(conn, sources, import_id=import_id, at=now)


def _updated(diff: RegisterDiff, register: dict[str, RegisterEntry]) -> list[UpdatedReport]:
    found: list[UpdatedReport] = []
    index = {name: i for i, name in enumerate(ROSTER_FIELDS)}
    for u in diff.updated:
        before = register[u.contact.email].values
        changes = {
            name: [before[index[name]], u.values[index[name]]]
            for name in u.changed
            if name in index
        }
        if "missing_since" in u.changed:
            changes["missing_since"] = ["missing", None]
        found.append(UpdatedReport(email=u.contact.email, changes=changes))
    return found


def _report(
    parsed: list[RosterFile],
    merged_count: int,
    conflicts: list[MergeConflict],
    diff: RegisterDiff,
    *,
    register: dict[str, RegisterEntry],
    now: datetime,
    dry_run: bool,
    policy: MissingFromRoster,
) -> ImportReport:
    readable = [p for p in parsed if p.readable]
    receives = policy is MissingFromRoster.KEEP
    return ImportReport(
        dry_run=dry_run,
        import_id=None,
        imported_at=now,
        files=[_summary(p) for p in parsed],
        unreadable=[p.file for p in parsed if not p.readable],
        rows=sum(len(p.rows) + p.rejected for p in readable),
        accepted=sum(len(p.rows) for p in readable),
        rejected=sum(p.rejected for p in readable),
        contacts=merged_count,
        created=len(diff.created),
        updated=len(diff.updated),
        unchanged=len(diff.unchanged),
        missing=len(diff.missing),
        problems=[q for p in parsed for q in p.problems],
        warnings=[w for p in parsed for w in p.warnings],
        conflicts=[c.to_dict() for c in conflicts],
        created_contacts=[
            CreatedReport(
                email=c.email, name=f"{c.first_name} {c.last_name}", file=c.file, line=c.line
            )
            for c in diff.created
        ],
        updated_contacts=_updated(diff, register),
        missing_policy=policy.value,
        missing_contacts=[
            MissingReport(
                email=m.email,
                sources=list(m.sources),
                newly_missing=not m.already_missing,
                receives_letters=receives,
            )
            for m in diff.missing
        ],
        left_file=[
            MissingReport(
                email=m.email,
                sources=list(m.sources),
                newly_missing=False,
                still_in=list(m.still_in),
            )
            for m in diff.left
        ],
        changed_fields=dict(Counter(name for u in diff.updated for name in u.changed)),
    )


def _skip_erased(ctx: Context, conn: Connection, diff: RegisterDiff) -> list[RosterProblem]:
    """Take people erased earlier out of `diff.created` and say why, with the erasure date."""
    if not diff.created:
        return []
    hashes = {address_hash(ctx.settings, c.email): c for c in diff.created}
    found = erased_on(conn, list(hashes))
    if not found:
        return []
    skipped = {hashes[h].email: at for h, at in found.items()}
    diff.created = [c for c in diff.created if c.email not in skipped]
    return [
        RosterProblem.of(
            c.file,
            c.line,
            None,
            Reason.of(
                RosterCode.ERASED,
                email=c.email,
                date=f"{skipped[c.email].astimezone(ctx.zone):%Y-%m-%d}",
            ),
        )
        for c in hashes.values()
        if c.email in skipped
    ]


class PlanChangedError(Exception):
    """The register (or the file) changed since the plan was shown: nothing was written;
    `report` is the plan as it stands now."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__("the import plan changed since it was previewed")


# Runs inside the import's transaction after the writes (an audit entry, a pending upload's
# removal): they commit together or not at all.
AfterWrite = Callable[[Connection, ImportReport], None]


def import_rosters(
    ctx: Context, paths: Sequence[Path], *, dry_run: bool = False, allow_erased: bool = False
) -> ImportReport:
    """Import roster files into the register (or, with `dry_run`, only report what would
    change). Rows are merged over all files in the order given; later files win conflicts.

    One transaction: on any failure nothing is written. A database error (say, a concurrent
    import created the same address first) raises StorageError; run the import again."""
    return import_parsed(ctx, _read_files(paths), dry_run=dry_run, allow_erased=allow_erased)


def parse_upload(name: str, data: bytes) -> RosterFile:
    """One uploaded file, parsed like a file on disk (the same bound on its size)."""
    return parse_roster(name, data[: LIMITS.file_bytes + 1])


def import_parsed(
    ctx: Context,
    parsed: list[RosterFile],
    *,
    dry_run: bool = False,
    allow_erased: bool = False,
    expect: str | None = None,
    after_write: AfterWrite | None = None,
) -> ImportReport:
    """`import_rosters` for files already parsed. With `expect` (a `plan_digest` shown to
    someone), the import writes only if the plan is still that one, checked in the same
    transaction as the writes; otherwise PlanChangedError carries the plan as it is now."""
    now = ctx.now()
    sources = {p.file for p in parsed if p.readable}
    merged, conflicts = merge_rows(row for p in parsed if p.readable for row in p.rows)
    try:
        with ctx.engine.begin() as conn:
            register, existing = _register(conn, sources)
            diff = diff_register(merged, register, sources)
            erased = [] if allow_erased else _skip_erased(ctx, conn, diff)
            report = _report(
                parsed,
                len(merged),
                conflicts,
                diff,
                register=register,
                now=now,
                dry_run=dry_run,
                policy=ctx.settings.missing_from_roster,
            )
            report.erased = erased
            report.warnings += held_back_warnings(conn, diff)
            report.contacts -= len(erased)
            if expect is not None and plan_digest(report) != expect:
                raise PlanChangedError(report.model_copy(update={"dry_run": True}))
            if not dry_run:
                import_id = store.start_import(conn, now, [p.file for p in parsed])
                _write(conn, diff, existing=existing, sources=sources, now=now, import_id=import_id)
                rows = (row for p in parsed if p.readable for row in p.rows)
                save_addresses(conn, registry_addresses(rows).values(), at=now)
                store.finish_import(conn, import_id, report.counts())
                report.import_id = import_id
                if after_write is not None:
                    after_write(conn, report)
    except sa.exc.DBAPIError as err:
        raise StorageError(
            f"roster import rolled back, the register is unchanged: {err.orig}"
        ) from err
    return report
