"""A roster uploaded in the workspace: the same importer as `mailer roster import`, in two
steps. The upload is parsed and planned (a dry run) and kept server-side, bound to the account
and expiring; the coordinator sees the problems and the plan; the commit writes only if the
file and the plan are still what was shown (`roster.import_parsed(expect=...)`), else it shows
the plan as it now stands. Nothing is written to the register before the commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from enum import StrEnum
from pathlib import PurePosixPath, PureWindowsPath
from typing import NamedTuple

from sqlalchemy.engine import Connection

from mailer.core.accounts import AuditAction
from mailer.pipeline.audit import record_in
from mailer.pipeline.context import Context
from mailer.pipeline.roster import ImportReport, PlanChangedError, import_parsed, parse_upload
from mailer.pipeline.roster_report import plan_digest
from mailer.store import roster_uploads as store

__all__ = [
    "UPLOAD_TTL",
    "CommitOutcome",
    "Committed",
    "Preview",
    "commit_upload",
    "discard_upload",
    "preview_upload",
    "start_upload",
    "upload_name",
]

# Long enough to read a plan and ask a colleague; short enough that a file does not linger.
UPLOAD_TTL = timedelta(hours=2)


class Preview(NamedTuple):
    upload_id: str
    filename: str
    report: ImportReport
    digest: str  # plan_digest(report): what the commit must still find


class CommitOutcome(StrEnum):
    COMMITTED = "committed"
    CHANGED = "changed"  # the register changed since the preview: nothing written, new plan
    GONE = "gone"  # no such upload for this account (expired, discarded or committed)


class Committed(NamedTuple):
    outcome: CommitOutcome
    preview: Preview | None  # the new plan when CHANGED
    report: ImportReport | None  # what was written when COMMITTED


def upload_name(given: str) -> str:
    """The file's own name (browsers may send a path), as roster sources are kept by name."""
    name = PureWindowsPath(PurePosixPath(given or "").name).name.strip()
    return name[:200] or "roster"


def start_upload(ctx: Context, account: str, filename: str, data: bytes) -> str:
    """Keep the uploaded bytes for this account; returns the upload's id. Expired uploads of
    anyone are removed on the way."""
    now = ctx.now()
    upload = store.PendingUpload(
        id=secrets.token_urlsafe(24),
        account=account,
        filename=upload_name(filename),
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=now,
        expires_at=now + UPLOAD_TTL,
    )
    with ctx.engine.begin() as conn:
        store.purge_expired(conn, now)
        store.save(conn, upload)
    return upload.id


def _load(ctx: Context, account: str, upload_id: str) -> store.PendingUpload | None:
    with ctx.engine.connect() as conn:
        found = store.find(conn, upload_id, account, ctx.now())
    # the stored bytes are the ones uploaded (a damaged row is refused, not imported)
    if found is None or hashlib.sha256(found.data).hexdigest() != found.sha256:
        return None
    return found


def preview_upload(ctx: Context, account: str, upload_id: str) -> Preview | None:
    """The plan of the upload against the register as it is now (a dry run: writes nothing)."""
    upload = _load(ctx, account, upload_id)
    if upload is None:
        return None
    report = import_parsed(ctx, [parse_upload(upload.filename, upload.data)], dry_run=True)
    return Preview(upload.id, upload.filename, report, plan_digest(report))


def commit_upload(ctx: Context, account: str, upload_id: str, digest: str) -> Committed:
    """Write exactly the previewed plan (`digest`), with its audit entry, and forget the
    upload, in one transaction."""
    upload = _load(ctx, account, upload_id)
    if upload is None:
        return Committed(CommitOutcome.GONE, None, None)

    def after_write(conn: Connection, report: ImportReport) -> None:
        store.delete(conn, upload.id)
        counts = report.counts()
        detail = ", ".join(
            f"{key} {counts[key]}" for key in ("created", "updated", "missing", "rejected")
        )
        record_in(
            conn, ctx.now(), actor=account, action=AuditAction.ROSTER_IMPORT,
            target=f"roster:{upload.filename}",
            detail=f"import {report.import_id}; sha256 {upload.sha256[:16]}; {detail}",
        )  # fmt: skip

    parsed = [parse_upload(upload.filename, upload.data)]
    try:
        report = import_parsed(ctx, parsed, expect=digest, after_write=after_write)
    except PlanChangedError as changed:
        again = Preview(upload.id, upload.filename, changed.report, plan_digest(changed.report))
        return Committed(CommitOutcome.CHANGED, again, None)
    return Committed(CommitOutcome.COMMITTED, None, report)


def discard_upload(ctx: Context, account: str, upload_id: str) -> None:
    with ctx.engine.begin() as conn:
        if store.find(conn, upload_id, account, ctx.now()) is not None:
            store.delete(conn, upload_id)
