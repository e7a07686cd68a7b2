"""Editions as the workspace shows and edits them: each edition's state (draft, approved,
scheduled, sent: `pipeline.dashboard`'s), saving the editor's form as a revision with a conflict
check, and the check's problems of a text that was not stored.

A save names the revision the form was based on. If another one was saved meanwhile the save is
refused with `EditionConflictError` (who saved what when), inside the same transaction that would
have stored it; the unique (month, number) constraint turns a race between two saves into the
same refusal. A form whose content equals the latest revision (as the letter reads it: texts
stripped, defaults filled) stores nothing, so clicking save twice is one revision.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from mailer.core.accounts import AuditAction
from mailer.core.edition.content import ContentProblem, Edition, validate_edition
from mailer.core.edition.revisions import (
    EditionProblemsError,
    canonical_text,
    changed_paths,
    check_month,
    text_hash,
)
from mailer.core.errors import ContentError, MailerError
from mailer.core.yaml_lines import load_with_lines
from mailer.pipeline.audit import record_in
from mailer.pipeline.context import Context
from mailer.pipeline.dashboard import EditionState, edition_lines
from mailer.pipeline.editions.lapse_notice import notify_lapsed
from mailer.pipeline.editions.planned import editorial_problems
from mailer.store import revisions as store
from mailer.store.editions import Approval
from mailer.store.revisions import Revision

__all__ = [
    "EditionConflictError",
    "EditionRow",
    "EditionState",
    "Saved",
    "edition_row",
    "edition_rows",
    "save_edition",
    "unsaved_problems",
]


class EditionRow(NamedTuple):
    month: str
    state: EditionState  # as the dashboard shows it (one definition of "scheduled")
    latest: Revision | None
    next_send: datetime | None  # the next planned send (None: no schedule plans it)


class Saved(NamedTuple):
    revision: Revision
    created: bool  # False: the form's content equals the latest revision's; nothing stored
    lapsed: Approval | None = None  # the approval this save made void (its approver is told)


class EditionConflictError(MailerError):
    """Another revision was saved after the one the form was based on."""

    def __init__(self, month: str, base: int, latest: Revision) -> None:
        self.month, self.base, self.latest = month, base, latest
        super().__init__(
            f"{month}: revision {latest.number} was saved by {latest.author} at "
            f"{latest.created_at.isoformat(timespec='minutes')} after revision {base}"
        )


def edition_rows(ctx: Context) -> list[EditionRow]:
    """Every edition the database knows, newest month first, with the dashboard's state."""
    with ctx.engine.connect() as conn:
        latest = {r.month: r for r in store.latest_revisions(conn)}
    return [
        EditionRow(line.month, line.state, latest.get(line.month), line.next_send)
        for line in edition_lines(ctx)[0]
    ]


def edition_row(ctx: Context, month: str) -> EditionRow | None:
    """One edition (None: no revision of it in the database)."""
    check_month(month)
    found = [row for row in edition_rows(ctx) if row.month == month]
    return found[0] if found and found[0].latest is not None else None


def _label(month: str) -> str:
    return f"{month} (form)"


def unsaved_problems(ctx: Context, month: str, text: str) -> list[ContentProblem]:
    """What the import's validation and the editorial rules find in a text (not stored)."""
    edition, problems = validate_edition(text, _label(month), zone=ctx.zone, month=month)
    return problems + editorial_problems(ctx, month, _label(month), text, edition)


def _parsed(ctx: Context, revision: Revision) -> Edition | None:
    return validate_edition(revision.text, revision.month, zone=ctx.zone)[0]


def _store(
    conn: sa.Connection, ctx: Context, edition: Edition, text: str, *, by: str, base: int
) -> Saved:
    month = edition.month
    latest = store.latest_revision(conn, month)
    if latest is None:
        raise ContentError(month, None, "(edition)", "no revision in the database")
    if latest.number != base:
        raise EditionConflictError(month, base, latest)
    if edition == _parsed(ctx, latest):
        return Saved(latest, False)
    changes = changed_paths(load_with_lines(latest.text)[0], load_with_lines(text)[0])
    revision, lapsed = store.add_revision(
        conn,
        month=month,
        text=text,
        text_hash=text_hash(text),
        author=by,
        at=ctx.now(),
        changes=changes,
        note="saved in the workspace editor",
    )
    record_in(
        conn,
        revision.created_at,
        actor=by,
        action=AuditAction.EDITION_EDITED,
        target=month,
        detail=f"revision {revision.number}: " + ", ".join(changes),
    )
    return Saved(revision, True, lapsed)


def save_edition(ctx: Context, month: str, text: str, by: str, base: int) -> Saved:
    """Store `text` as the month's next revision, validated as `edition import` does
    (EditionProblemsError: nothing stored), if `base` is still the latest revision
    (EditionConflictError otherwise)."""
    check_month(month)
    text = canonical_text(text)
    edition, problems = validate_edition(text, _label(month), zone=ctx.zone, month=month)
    if edition is None:
        raise EditionProblemsError(problems)
    try:
        with ctx.engine.begin() as conn:
            saved = _store(conn, ctx, edition, text, by=by, base=base)
    except sa.exc.IntegrityError:
        # Another save took the same revision number between our read and our insert.
        with ctx.engine.connect() as conn:
            latest = store.latest_revision(conn, month)
        assert latest is not None
        raise EditionConflictError(month, base, latest) from None
    if saved.lapsed is not None:  # committed: a mail that fails can no longer undo the save
        notify_lapsed(ctx, saved.lapsed, saved.revision)
    return saved
