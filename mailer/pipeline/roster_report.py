"""What a roster import reports (and what the workspace previews before it commits): per file,
the rows accepted and rejected with their problems, who is created, updated (field by field) and
missing. `plan_digest` fingerprints the plan, so a commit can prove it writes what was shown."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from mailer.core.roster.rows import RosterProblem

__all__ = [
    "CreatedReport",
    "FileSummary",
    "ImportReport",
    "MissingReport",
    "UpdatedReport",
    "plan_digest",
]


class FileSummary(BaseModel):
    """One file's accounting, for a readable file:
    lines == 1 (header) + blank_lines + rows + continuation_lines, where rows == accepted +
    rejected and continuation_lines are the extra lines of rejected multi-line records."""

    file: str
    readable: bool
    format: str | None
    encoding: str | None
    delimiter: str | None
    lines: int
    header_line: int | None
    blank_lines: int
    continuation_lines: int
    rows: int
    accepted: int
    rejected: int
    ignored_columns: list[str]


class MissingReport(BaseModel):
    email: str
    sources: list[str]  # the imported files that named the contact before
    newly_missing: bool
    still_in: list[str] = Field(default_factory=list)  # for `left`: files that still name them
    # MAILER_MISSING_FROM_ROSTER=keep: yes (until unsubscribed or erased); pause: no
    receives_letters: bool = True


class CreatedReport(BaseModel):
    email: str
    name: str
    file: str
    line: int


class UpdatedReport(BaseModel):
    email: str
    # field -> [stored before, now]; "missing_since" when a missing contact is back
    changes: dict[str, list[str | None]]


class ImportReport(BaseModel):
    dry_run: bool
    import_id: int | None
    imported_at: datetime
    files: list[FileSummary]
    unreadable: list[str] = Field(description="files that could not be read at all")
    rows: int  # data rows over all readable files (accepted + rejected)
    accepted: int
    rejected: int
    contacts: int  # distinct contacts after merging = created + updated + unchanged
    created: int
    updated: int
    unchanged: int
    missing: int
    problems: list[RosterProblem]  # rejected rows and unreadable files
    # people erased before, recognised by their address hash: not imported (a problem each)
    erased: list[RosterProblem] = Field(default_factory=list)
    warnings: list[RosterProblem]  # accepted rows with a notice (region conflict, ...)
    conflicts: list[dict[str, Any]]  # merge conflicts with both sources
    created_contacts: list[CreatedReport] = Field(default_factory=list)
    updated_contacts: list[UpdatedReport] = Field(default_factory=list)
    missing_contacts: list[MissingReport]
    missing_policy: str = "keep"  # MAILER_MISSING_FROM_ROSTER
    # gone from an imported file but still named by a file not imported now: not missing
    left_file: list[MissingReport]
    changed_fields: dict[str, int]  # field -> how many updated contacts changed it

    def counts(self) -> dict[str, int]:
        keys = ("rows", "accepted", "rejected", "contacts", "created", "updated", "unchanged")
        return {key: getattr(self, key) for key in keys} | {
            "missing": self.missing,
            "left_file": len(self.left_file),
            "unreadable": len(self.unreadable),
            "conflicts": len(self.conflicts),
            "warnings": len(self.warnings),
            "erased": len(self.erased),
        }


def plan_digest(report: ImportReport) -> str:
    """SHA-256 of everything the import would write and report, without when it ran: two plans
    with the same digest write the same register."""
    plan = report.model_dump(mode="json", exclude={"dry_run", "import_id", "imported_at"})
    text = json.dumps(plan, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
