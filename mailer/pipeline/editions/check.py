"""Editions: load and check a month's content, compile its 10 variants, approve, report status.

Joins the I/O-free parts (content, catalogue, letter view, render) with the file system
(templates, catalogues) and the database (the content's latest revision through
`pipeline.editions.source`, approvals, the ledger read-only).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import jinja2
from pydantic import BaseModel, Field

from mailer.config import Settings
from mailer.core.edition.catalogue import (
    Catalogue,
    catalogue_problems,
    parse_catalogue,
    role_labels,
)
from mailer.core.edition.content import ContentProblem, Edition, Severity, validate_edition
from mailer.core.edition.dates import is_month
from mailer.core.edition.letter import all_variants, archive_path, build_view
from mailer.core.edition.render import compile_variant, make_environment
from mailer.core.errors import ContentError, EditionNotApprovedError, TemplateError
from mailer.core.models import CompiledVariant, Language, Variant
from mailer.pipeline.context import Context
from mailer.pipeline.editions.planned import by_line, editorial_problems
from mailer.pipeline.editions.source import (
    latest_revision,
    latest_text,
    missing_message,
    missing_problem,
    revision_label,
)
from mailer.pipeline.editions.variants import catalogue_file_problems, variant_problems
from mailer.store import editions as store
from mailer.store import revisions as revisions_store
from mailer.store.revisions import Revision

__all__ = [
    "CheckReport",
    "EditionStatus",
    "approval_status",
    "approve_edition",
    "check_edition",
    "compile_approved",
    "compile_approved_revision",
    "compile_edition",
    "compile_one",
    "content_hash",
    "edition_file",
    "list_statuses",
    "load_edition",
    "require_approved",
    "revision_hash",
]

# What an approval covers: the letter's own templates and the UI catalogues (not the admin web
# pages under templates/web, which never reach a letter).
HASHED_TEMPLATE_DIRS = ("letter", "i18n")


class EditionStatus(BaseModel):
    month: str
    exists: bool
    state: Literal["missing", "draft", "approved", "sent"]
    approved_by: str | None = None
    approved_at: datetime | None = None
    approved_hash: str | None = None
    current_hash: str | None = None
    changed_since_approval: bool = False
    revision: int | None = None  # the latest revision in the database
    approved_revision: int | None = None
    hint: str | None = None  # what to do about a missing edition
    override_reason: str | None = None  # approved despite overridable check problems: why
    overridden: list[str] = Field(default_factory=list)  # those problems
    note: str | None = None  # the approver's note
    single_person: bool = False  # approved by the revision's own author (a setting allows it)
    unapproved_by: str | None = None  # the approval was withdrawn: by whom, when
    unapproved_at: datetime | None = None


class CheckReport(BaseModel):
    month: str
    file: str
    ok: bool
    problems: list[ContentProblem] = Field(default_factory=list)
    html_bytes: dict[str, int] = Field(default_factory=dict)  # variant key -> compiled size


def _check_month(month: str) -> str:
    if not is_month(month):
        raise ContentError(month, None, "month", "expected YYYY-MM, e.g. 2026-11")
    return month


def edition_file(settings: Settings, month: str) -> Path:
    return settings.letters_dir / f"{_check_month(month)}.yaml"


def load_edition(ctx: Context, month: str) -> Edition:
    """The validated content of `month`'s latest revision; ContentError names revision, line
    and field."""
    return latest_revision(ctx, _check_month(month))[0]


def _catalogue_path(settings: Settings, language: Language) -> Path:
    return settings.templates_dir / "i18n" / f"{language.value}.yaml"


def _load_catalogues(settings: Settings) -> tuple[dict[Language, Catalogue], list[str]]:
    catalogues: dict[Language, Catalogue] = {}
    problems: list[str] = []
    for language in Language:
        path = _catalogue_path(settings, language)
        try:
            catalogues[language] = parse_catalogue(path.read_text(encoding="utf-8"), str(path))
        except (OSError, ValueError) as err:
            problems.append(f"{path}: {err}")
    if not problems:
        problems = [f"templates/i18n/{p}" for p in catalogue_problems(catalogues)]
    return catalogues, problems


def _environment(settings: Settings) -> jinja2.Environment:
    # The pipeline builds the loader; mailer.core.edition.render itself reads no files.
    return make_environment(jinja2.FileSystemLoader(settings.templates_dir / "letter"))


def _view(ctx: Context, edition: Edition, variant: Variant, catalogue: Catalogue) -> dict[str, Any]:
    """What one variant shows, with this installation's zone and sender address."""
    address = ctx.settings.sender_address_for(variant.language)
    browser_url = ctx.settings.public_url + archive_path(edition.month, variant)
    return build_view(
        edition,
        variant,
        catalogue,
        zone=ctx.zone,
        sender_address=address,
        browser_url=browser_url,
    )


def _compile(
    ctx: Context, month: str, edition: Edition, catalogues: dict[Language, Catalogue]
) -> dict[Variant, CompiledVariant]:
    env = _environment(ctx.settings)
    compiled: dict[Variant, CompiledVariant] = {}
    for variant in all_variants():
        catalogue = catalogues[variant.language]
        compiled[variant] = compile_variant(
            env,
            edition=month,
            variant=variant,
            view=_view(ctx, edition, variant, catalogue),
            role_labels=role_labels(catalogue),
        )
    return compiled


def compile_edition(
    ctx: Context, month: str, revision: int | None = None
) -> dict[Variant, CompiledVariant]:
    """Stage 1 for all 10 variants of the latest revision (or of `revision`); raises
    ContentError / TemplateError."""
    edition = latest_revision(ctx, _check_month(month), revision)[0]
    catalogues, problems = _load_catalogues(ctx.settings)
    if problems:
        raise TemplateError("i18n", "; ".join(problems))
    return _compile(ctx, month, edition, catalogues)


def compile_one(ctx: Context, month: str, revision: int, variant: Variant) -> CompiledVariant:
    """Stage 1 for one variant of revision `revision` (the public archive's letter)."""
    edition = latest_revision(ctx, _check_month(month), revision)[0]
    catalogues, problems = _load_catalogues(ctx.settings)
    if problems:
        raise TemplateError("i18n", "; ".join(problems))
    catalogue = catalogues[variant.language]
    return compile_variant(
        _environment(ctx.settings),
        edition=month,
        variant=variant,
        view=_view(ctx, edition, variant, catalogue),
        role_labels=role_labels(catalogue),
    )


def check_edition(ctx: Context, month: str) -> CheckReport:
    """Every problem of the edition at once: content, editorial rules, catalogues, each
    variant's rendering and its compiled HTML (size, lang, alt, links, tokens)."""
    revision = latest_text(ctx, _check_month(month))
    file = revision_label(revision) if revision is not None else month
    problems: list[ContentProblem] = []
    edition: Edition | None = None
    if revision is None:
        problems.append(missing_problem(file, month, missing_message(ctx, month)))
    else:
        edition, found = validate_edition(revision.text, file, zone=ctx.zone, month=month)
        problems += found + editorial_problems(ctx, month, file, revision.text, edition)
    catalogues, catalogue_found = _load_catalogues(ctx.settings)
    problems += catalogue_file_problems(ctx.settings.templates_dir, catalogue_found)
    sizes: dict[str, int] = {}
    if edition is not None and not catalogue_found:
        views = {v: _view(ctx, edition, v, catalogues[v.language]) for v in all_variants()}
        env, templates = _environment(ctx.settings), ctx.settings.templates_dir
        found, sizes = variant_problems(env, views, month, file, templates)
        problems += found
    blocking = any(p.severity is not Severity.WARNING for p in problems)
    return CheckReport(
        month=month, file=file, ok=not blocking, problems=by_line(problems, file), html_bytes=sizes
    )


def content_hash(ctx: Context, month: str) -> str | None:
    """The approval hash of the latest revision (None: no revision in the database)."""
    revision = latest_text(ctx, month)
    return None if revision is None else revision_hash(ctx.settings, revision.text_hash)


def revision_hash(settings: Settings, text_hash: str) -> str:
    """sha256 over a revision's text hash, the letter templates and the catalogues."""
    digest = hashlib.sha256()
    digest.update(b"revision\0" + text_hash.encode() + b"\0")
    for folder in HASHED_TEMPLATE_DIRS:
        root = settings.templates_dir / folder
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(str(file.relative_to(settings.templates_dir)).encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


# --- approval and status -----------------------------------------------------------------------


def _changed(
    approval: store.Approval | None, revision: Revision | None, current: str | None
) -> bool:
    """A new revision (or changed templates) since the approval: the edition is a draft again."""
    if approval is None or revision is None:
        return False
    return approval.content_hash != current or approval.revision != revision.number


def approval_status(ctx: Context, month: str) -> EditionStatus:
    revision = latest_text(ctx, _check_month(month))
    current = None if revision is None else revision_hash(ctx.settings, revision.text_hash)
    with ctx.engine.connect() as conn:
        approval = store.latest_approval(conn, month)
        sent = store.is_sent(conn, month)
    changed = _changed(approval, revision, current)
    state: Literal["missing", "draft", "approved", "sent"]
    if sent:
        state = "sent"
    elif current is None:
        state = "missing"
    elif approval is None or changed or approval.unapproved_at is not None:
        state = "draft"
    else:
        state = "approved"
    return EditionStatus(
        month=month,
        exists=current is not None,
        state=state,
        approved_by=approval.approved_by if approval else None,
        approved_at=approval.approved_at if approval else None,
        approved_hash=approval.content_hash if approval else None,
        current_hash=current,
        changed_since_approval=changed,
        revision=revision.number if revision else None,
        approved_revision=approval.revision if approval else None,
        hint=missing_message(ctx, month) if revision is None else None,
        override_reason=approval.override_reason if approval else None,
        overridden=list(approval.overridden) if approval else [],
        **(_approval_extras(approval) if approval else {}),
    )


def _approval_extras(approval: store.Approval) -> dict[str, Any]:
    return {
        "note": approval.note,
        "single_person": approval.single_person,
        "unapproved_by": approval.unapproved_by,
        "unapproved_at": approval.unapproved_at,
    }


def list_statuses(ctx: Context) -> list[EditionStatus]:
    """Every month the database knows (revisions, approvals, the ledger), newest first; a letter
    file alone is not an edition until it is imported."""
    with ctx.engine.connect() as conn:
        months = {m for m in store.known_months(conn) if is_month(m)}
    return [approval_status(ctx, month) for month in sorted(months, reverse=True)]


def _checked(ctx: Context, month: str, reason: str | None) -> list[ContentProblem]:
    """The check before an approval: refuses errors, and overridable problems without a
    reason; returns the overridable problems the approval overrides."""
    report = check_edition(ctx, month)
    errors = [p for p in report.problems if p.severity is Severity.ERROR]
    overridable = [p for p in report.problems if p.severity is Severity.OVERRIDABLE]
    blocking = errors or (overridable if reason is None else [])
    if blocking:
        first = blocking[0]
        more = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
        advice = f"run `mailer edition check {month}`"
        if not errors:
            advice = (
                f'fix it, or approve anyway with the reason recorded: --override "why" ({advice})'
            )
        raise ContentError(first.file, first.line, first.field, f"{first.message}{more}; {advice}")
    return overridable


def approve_edition(
    ctx: Context,
    month: str,
    approved_by: str,
    *,
    override: str | None = None,
    note: str | None = None,
    revision: int | None = None,
    single_person: bool = False,
) -> EditionStatus:
    """Record an approval of the edition as it is now (of revision `revision`, when given: the
    one whose author the four-eyes rule looked at, in `pipeline.editions.approval`). Refuses an
    edition with an error (ContentError for the first one; run the check for all); an edition
    whose only problems are overridable needs `override`, a reason that is recorded with them."""
    if not approved_by.strip():
        raise ContentError(month, None, "--by", "the approver's name is required")
    reason = (override or "").strip() or None
    if override is not None and reason is None:
        raise ContentError(month, None, "--override", "give the reason for the override")
    checked = latest_text(ctx, _check_month(month))
    overridable = _checked(ctx, month, reason)
    assert checked is not None  # the check found a revision
    with ctx.engine.begin() as conn:
        # Approve exactly the revision that was checked: one saved meanwhile is not approved.
        latest = revisions_store.latest_revision(conn, month)
        if latest is None or latest.number != (revision or checked.number):
            message = "a new revision was saved while checking; check and approve again"
            raise ContentError(revision_label(checked), None, "(edition)", message)
        store.record_approval(
            conn,
            month=month,
            approved_by=approved_by.strip(),
            at=ctx.now(),
            content_hash=revision_hash(ctx.settings, checked.text_hash),
            revision=checked.number,
            override_reason=reason if overridable else None,
            overridden=tuple(str(p) for p in overridable),
            note=(note or "").strip() or None,
            single_person=single_person,
        )
    return approval_status(ctx, month)


def require_approved(ctx: Context, month: str) -> str:
    """The approved content hash, or EditionNotApprovedError saying why not."""
    status = approval_status(ctx, month)
    if not status.exists:
        raise EditionNotApprovedError(month, f"the edition is missing ({status.hint})")
    if status.approved_hash is None:
        raise EditionNotApprovedError(month, "it was never approved (mailer edition approve)")
    if status.unapproved_by is not None:
        why = f"{status.unapproved_by} withdrew the approval; approve it again"
        raise EditionNotApprovedError(month, why)
    if status.changed_since_approval:
        when = status.approved_at.isoformat(timespec="minutes") if status.approved_at else "?"
        raise EditionNotApprovedError(
            month,
            f"the content (revision {status.revision}) or templates changed since the approval "
            f"of revision {status.approved_revision} by {status.approved_by} at {when}; "
            "approve it again",
        )
    return status.approved_hash


def compile_approved(ctx: Context, month: str) -> dict[Variant, CompiledVariant]:
    """The approved revision's 10 variants (what `send` sends); EditionNotApprovedError if it
    is not approved as it is now."""
    return compile_approved_revision(ctx, month)[1]


def compile_approved_revision(
    ctx: Context, month: str
) -> tuple[int | None, dict[Variant, CompiledVariant]]:
    """compile_approved, with the number of the revision it compiled (None: approved before
    revisions existed)."""
    require_approved(ctx, month)
    status = approval_status(ctx, month)
    return status.approved_revision, compile_edition(ctx, month, status.approved_revision)
