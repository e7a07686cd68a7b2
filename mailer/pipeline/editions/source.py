"""Where an edition's content comes from: its latest revision in the database.

The one place the readers (check, preview, approve, send, the scheduler) load content, so that the
rest of pipeline.editions only sees text, a label for problems, and a revision number. A letter
file that was never imported is not read behind anyone's back: the error says how to import it.
"""

from __future__ import annotations

from mailer.core.edition.codes import CheckCode
from mailer.core.edition.content import ContentProblem, Edition, parse_edition
from mailer.core.edition.revisions import check_month
from mailer.core.errors import ContentError
from mailer.pipeline.context import Context
from mailer.store import revisions as store
from mailer.store.revisions import Revision

__all__ = [
    "Revision",
    "latest_revision",
    "latest_text",
    "missing_message",
    "missing_problem",
    "revision_label",
]


def revision_label(revision: Revision) -> str:
    """How problems name the stored content: `2026-11 r3` (lines count in that revision's text,
    which is the imported file's text)."""
    return f"{revision.month} r{revision.number}"


def missing_message(ctx: Context, month: str) -> str:
    path = ctx.settings.letters_dir / f"{month}.yaml"
    if path.is_file():
        return f"no revision in the database; run `mailer edition import {path}`"
    return (
        "no revision in the database; start it with `mailer edition new "
        f"{month}` or import a file with `mailer edition import FILE`"
    )


def missing_problem(file: str, month: str, message: str) -> ContentProblem:
    """No revision of the month is stored (`message` tells the CLI what to run)."""
    return ContentProblem(
        file=file,
        line=None,
        field="(edition)",
        message=message,
        code=CheckCode.REVISION_MISSING,
        params={"month": month},
    )


def latest_text(ctx: Context, month: str, number: int | None = None) -> Revision | None:
    """The month's latest revision, or revision `number` (None: not stored)."""
    check_month(month)
    with ctx.engine.connect() as conn:
        if number is not None:
            return store.get_revision(conn, month, number)
        return store.latest_revision(conn, month)


def latest_revision(
    ctx: Context, month: str, number: int | None = None
) -> tuple[Edition, Revision]:
    """The validated content of the month's latest revision (or of revision `number`, e.g. the
    approved one); ContentError names the revision, line and field, or says how to import."""
    revision = latest_text(ctx, month, number)
    if revision is None:
        message = missing_message(ctx, month) if number is None else f"no revision {number}"
        raise ContentError(month, None, "(edition)", message)
    edition = parse_edition(revision.text, revision_label(revision), zone=ctx.zone, month=month)
    return edition, revision
