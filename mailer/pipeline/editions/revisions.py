"""Editions in the database: import letter files as revisions, export them, start a new month.

The YAML file is the exchange format: `import` validates it exactly as the check does (every
problem with file:line; nothing is stored if any file has one) and appends a revision; `export`
gives the stored text back unchanged; `new` starts a month from an earlier month's latest
revision. Importing a text equal to the latest revision stores nothing, so re-running an import
never turns an approved edition back into a draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa

from mailer.core.edition.content import ContentProblem, validate_edition
from mailer.core.edition.revisions import (
    EditionProblemsError,
    canonical_text,
    changed_paths,
    check_month,
    text_hash,
)
from mailer.core.edition.successor import Flag, successor_text
from mailer.core.errors import ContentError
from mailer.core.yaml_lines import load_with_lines
from mailer.pipeline.context import Context
from mailer.pipeline.editions.lapse_notice import notify_lapsed
from mailer.pipeline.editions.source import missing_message, revision_label
from mailer.store import revisions as store
from mailer.store.editions import Approval
from mailer.store.revisions import Revision

__all__ = [
    "Imported",
    "Revision",
    "Started",
    "export_edition",
    "import_edition",
    "import_editions",
    "import_text",
    "new_edition",
    "revision_history",
]


class Imported(NamedTuple):
    file: Path
    revision: Revision
    created: bool  # False: the text equals the latest revision's; nothing was stored
    lapsed: Approval | None = None  # the approval this revision made void (its approver is told)


class Started(NamedTuple):
    revision: Revision
    source: Revision
    cleared_events: int
    flags: list[Flag]


class _Valid(NamedTuple):
    file: Path
    month: str
    text: str


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ContentError(str(path), None, "(file)", f"cannot read it: {err}") from err


def _validate(ctx: Context, path: Path, raw: str) -> tuple[_Valid | None, list[ContentProblem]]:
    text = canonical_text(raw)
    # A file named YYYY-MM.yaml must hold that month (as `check` always required).
    named = path.stem if path.suffix in (".yaml", ".yml") else None
    try:
        month = check_month(named) if named else None
    except ContentError:
        month = None
    edition, problems = validate_edition(text, str(path), zone=ctx.zone, month=month)
    if edition is None:
        return None, problems
    return _Valid(path, edition.month, text), []


def _store(conn: sa.Connection, ctx: Context, valid: _Valid, by: str, note: str) -> Imported:
    latest = store.latest_revision(conn, valid.month)
    if latest is not None and latest.text == valid.text:
        return Imported(valid.file, latest, False)
    changes = None
    if latest is not None:
        changes = changed_paths(load_with_lines(latest.text)[0], load_with_lines(valid.text)[0])
    added = store.add_revision(
        conn,
        month=valid.month,
        text=valid.text,
        text_hash=text_hash(valid.text),
        author=by,
        at=ctx.now(),
        changes=changes,
        note=note,
    )
    return Imported(valid.file, added.revision, True, added.lapsed)


def _notify(ctx: Context, imported: list[Imported]) -> list[Imported]:
    """Tell each lapsed approval's approver, after the commit: a mail that fails is recorded and
    logged by `notify_lapsed`, and the revisions stay saved."""
    for item in imported:
        if item.lapsed is not None:
            notify_lapsed(ctx, item.lapsed, item.revision)
    return imported


def _author(by: str) -> str:
    if not by.strip():
        raise ContentError("--by", None, "--by", "who imports or saves the edition is required")
    return by.strip()


def import_editions(ctx: Context, paths: Sequence[Path], by: str) -> list[Imported]:
    """Validate every file, then store them all in one transaction (or none:
    EditionProblemsError carries every problem of every file)."""
    author = _author(by)
    valid: list[_Valid] = []
    problems: list[ContentProblem] = []
    for path in paths:
        item, found = _validate(ctx, path, _read(path))
        problems.extend(found)
        if item is not None:
            valid.append(item)
    if problems:
        raise EditionProblemsError(problems)
    with ctx.engine.begin() as conn:
        stored = [_store(conn, ctx, v, author, f"imported from {v.file.name}") for v in valid]
    return _notify(ctx, stored)


def import_edition(ctx: Context, path: Path, by: str) -> Imported:
    """One file as the next revision of its month (see import_editions)."""
    return import_editions(ctx, [path], by)[0]


def import_text(ctx: Context, name: str, text: str, by: str) -> Imported:
    """An uploaded file (`name` as the browser gave it, `text` its content) as the next revision
    of its month, validated and stored exactly as `import_edition` does with a file."""
    author = _author(by)
    path = Path(Path(name).name or "upload.yaml")
    valid, problems = _validate(ctx, path, text)
    if valid is None:
        raise EditionProblemsError(problems)
    with ctx.engine.begin() as conn:
        stored = _store(conn, ctx, valid, author, f"imported from {path.name}")
    return _notify(ctx, [stored])[0]


def export_edition(ctx: Context, month: str, number: int | None = None) -> Revision:
    """The month's latest revision (or revision `number`), its text exactly as stored."""
    check_month(month)
    with ctx.engine.connect() as conn:
        if number is None:
            found = store.latest_revision(conn, month)
        else:
            found = store.get_revision(conn, month, number)
    if found is None:
        what = f"no revision {number}" if number is not None else missing_message(ctx, month)
        raise ContentError(month, None, "(edition)", what)
    return found


def _source(conn: sa.Connection, month: str, source: str | None) -> Revision:
    if source is not None:
        found = store.latest_revision(conn, check_month(source))
        if found is None:
            raise ContentError(source, None, "--from", "no revision of that month in the database")
        return found
    earlier = [r for r in store.latest_revisions(conn) if r.month < month]
    if not earlier:
        raise ContentError(
            month, None, "--from", "no earlier edition in the database to start from"
        )
    return earlier[0]


def _note(source: Revision, cleared: int, flags: list[Flag]) -> str:
    note = f"new from {revision_label(source)}; {cleared} event(s) cleared"
    if flags:
        note += "; reword: " + ", ".join(f.field for f in flags)
    return note


def new_edition(ctx: Context, month: str, by: str, source: str | None = None) -> Started:
    """Start `month` from `source`'s latest revision (default: the latest earlier month): same
    structure and texts, the month set, events cleared, texts naming the old month flagged."""
    author = _author(by)
    check_month(month)
    with ctx.engine.begin() as conn:
        existing = store.latest_revision(conn, month)
        if existing is not None:
            raise ContentError(
                month, None, "(edition)", f"already in the database (revision {existing.number})"
            )
        origin = _source(conn, month, source)
        started = successor_text(origin.text, source_month=origin.month, month=month)
        text = canonical_text(started.text)
        edition, problems = validate_edition(text, f"{month} (new)", zone=ctx.zone, month=month)
        if edition is None:
            raise EditionProblemsError(problems)
        # The month's first revision: no approval of it can lapse, so nobody is told.
        revision = store.add_revision(
            conn,
            month=month,
            text=text,
            text_hash=text_hash(text),
            author=author,
            at=ctx.now(),
            changes=None,
            note=_note(origin, started.cleared_events, started.flags),
        ).revision
    return Started(revision, origin, started.cleared_events, started.flags)


def revision_history(ctx: Context, month: str) -> list[Revision]:
    """The month's revisions, newest first (who, when, what changed)."""
    check_month(month)
    with ctx.engine.connect() as conn:
        return store.list_revisions(conn, month)
