"""PURE: merge accepted roster rows by email, and diff the result against the register.

Merge: rows are keyed by normalised email. The same person in two files (or twice in one) becomes
one contact; differing values are reported with both sources. A value the file stated beats a
default (language from the municipality, role `support`, type `municipality`) without a conflict;
between two stated (or two default) values the later row wins: files are taken in the order given,
so the newer export goes last.

Diff: created / updated (with the changed fields) / unchanged, and the contacts that a source
file named before but that this import no longer has ("missing from roster"). Only the roster
fields are compared; the delivery state (status, bounce counts) is not the roster's to change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field

from mailer.core.roster.rows import RosterRow

__all__ = [
    "ROSTER_FIELDS",
    "ContactUpdate",
    "MergeConflict",
    "MergedContact",
    "MissingContact",
    "RegisterDiff",
    "RegisterEntry",
    "better_cased",
    "diff_register",
    "merge_rows",
]

ROSTER_FIELDS = (
    "first_name",
    "last_name",
    "organisation",
    "org_type",
    "municipality",
    "region",
    "language",
    "role",
    "title",
)
# Fields a row may leave to a default; `RosterRow.explicit` says when it did not.
_DEFAULTED = frozenset({"org_type", "region", "language", "role", "title"})
# Defaulted fields whose stored value a default never overwrites (region is derived from the
# municipality the row states, so it is not among them): (index in ROSTER_FIELDS, name).
_KEEPABLE = tuple(
    (i, n) for i, n in enumerate(ROSTER_FIELDS) if n in ("org_type", "language", "role", "title")
)


@dataclass(slots=True)
class MergedContact(RosterRow):
    """A contact merged from several rows; `file` and `line` are its first row's."""

    seen_in: dict[str, int] = field(default_factory=dict)  # file -> last line in that file

    @property
    def sources(self) -> dict[str, int]:
        return self.seen_in


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class MergeConflict:
    email: str
    field: str
    kept: str | None
    kept_from: tuple[str, int]  # (file, line)
    other: str | None
    other_from: tuple[str, int]

    def to_dict(self) -> dict[str, object]:
        return {
            "email": self.email,
            "field": self.field,
            "kept": self.kept,
            "kept_from": {"file": self.kept_from[0], "line": self.kept_from[1]},
            "other": self.other,
            "other_from": {"file": self.other_from[0], "line": self.other_from[1]},
        }


# Free-text fields, where "AINO" and "Aino" are the same value written differently.
_TEXT = frozenset({"first_name", "last_name", "organisation", "title"})
_TEXT_INDEXES = tuple(i for i, n in enumerate(ROSTER_FIELDS) if n in _TEXT)


def _same_but_case(a: object, b: object) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.casefold() == b.casefold()


def _shouting(text: str) -> bool:
    """All capitals or all small letters: how exports mangle names, never a person's choice
    of "Aino Järvinen" (mixed case wins over both)."""
    return text.isupper() or text.islower()


def better_cased(kept: str, other: str) -> str:
    """Of two spellings that differ only in case, the properly cased one; `kept` on a tie."""
    return other if _shouting(kept) and not _shouting(other) else kept


def _stated(row: RosterRow, name: str) -> bool:
    if name == "municipality":
        return row.municipality is not None
    return name not in _DEFAULTED or name in row.explicit


def _start(row: RosterRow) -> MergedContact:
    return MergedContact(
        file=row.file,
        line=row.line,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        organisation=row.organisation,
        org_type=row.org_type,
        municipality=row.municipality,
        region=row.region,
        language=row.language,
        role=row.role,
        explicit=row.explicit,
        title=row.title,
        seen_in={row.file: row.line},
    )


def _merge_group(rows: list[RosterRow], conflicts: list[MergeConflict]) -> MergedContact:
    merged = _start(rows[0])
    origin = dict.fromkeys(ROSTER_FIELDS, rows[0])  # the row each kept value came from
    explicit = set(rows[0].explicit)
    for row in rows[1:]:
        merged.seen_in[row.file] = row.line
        for name in ROSTER_FIELDS:
            new, old = getattr(row, name), getattr(merged, name)
            if new == old:
                continue
            if name in _TEXT and _same_but_case(new, old):
                setattr(merged, name, better_cased(old, new))  # not a conflict
                continue
            was = origin[name]
            new_stated, old_stated = _stated(row, name), _stated(was, name)
            if old_stated and not new_stated:
                continue
            setattr(merged, name, new)
            origin[name] = row
            if new_stated and name in _DEFAULTED:
                explicit.add(name)
            if new_stated == old_stated:
                conflicts.append(
                    MergeConflict(
                        email=row.email,
                        field=name,
                        kept=_text(new),
                        kept_from=(row.file, row.line),
                        other=_text(old),
                        other_from=(was.file, was.line),
                    )
                )
    merged.explicit = frozenset(explicit)
    return merged


def merge_rows(rows: Iterable[RosterRow]) -> tuple[list[RosterRow], list[MergeConflict]]:
    """One contact per email, in first-seen order, and the conflicts between their rows. A
    contact seen once is its row (no copy: 100,000 rows mostly are); duplicates become a
    MergedContact."""
    groups: dict[str, list[RosterRow]] = {}
    for row in rows:
        group = groups.get(row.email)
        if group is None:
            groups[row.email] = [row]
        else:
            group.append(row)
    conflicts: list[MergeConflict] = []
    merged: list[RosterRow] = [
        group[0] if len(group) == 1 else _merge_group(group, conflicts) for group in groups.values()
    ]
    return merged, conflicts


@dataclass(slots=True)
class RegisterEntry:
    """What the diff needs of a register contact."""

    id: int
    email: str
    values: tuple[str | None, ...]  # ROSTER_FIELDS as stored, in that order
    missing: bool  # missing_since is set
    sources: frozenset[str]


@dataclass(slots=True)
class ContactUpdate:
    id: int
    contact: RosterRow
    values: tuple[str | None, ...]  # ROSTER_FIELDS to store, in that order
    changed: tuple[str, ...]  # incl. "missing_since" when the contact is back


@dataclass(frozen=True, slots=True)
class MissingContact:
    id: int
    email: str
    sources: tuple[str, ...]  # the imported files that named the contact before
    already_missing: bool
    still_in: tuple[str, ...] = ()  # other files (not imported now) that still name them


@dataclass
class RegisterDiff:
    created: list[RosterRow] = field(default_factory=list)
    updated: list[ContactUpdate] = field(default_factory=list)
    unchanged: list[ContactUpdate] = field(default_factory=list)
    missing: list[MissingContact] = field(default_factory=list)
    # gone from an imported file but still named by a file not imported now: not missing
    left: list[MissingContact] = field(default_factory=list)


def diff_register(
    merged: Iterable[RosterRow],
    register: Mapping[str, RegisterEntry],
    imported_sources: Set[str],
) -> RegisterDiff:
    """Compare the merged import with the register (`RegisterEntry.sources`: all its files).

    A defaulted language, role or type never overwrites a stored value (a coordinator may have
    set it from another file); a stated one does. Missing = the register saw the contact in one
    of the files imported now, no file of this import has it, and no other file names it.
    Gone from an imported file but named by another one = `left` (the provenance moves on)."""
    diff = RegisterDiff()
    seen: set[str] = set()
    for contact in merged:
        seen.add(contact.email)
        entry = register.get(contact.email)
        if entry is None:
            diff.created.append(contact)
            continue
        values = contact.values()
        kept = [i for i, name in _KEEPABLE if name not in contact.explicit and entry.values[i]]
        kept += [
            i
            for i in _TEXT_INDEXES
            if _same_but_case(values[i], entry.values[i])
            and better_cased(str(entry.values[i]), str(values[i])) == entry.values[i]
        ]
        if kept:
            values = tuple(entry.values[i] if i in kept else v for i, v in enumerate(values))
        if values == entry.values and not entry.missing:
            diff.unchanged.append(ContactUpdate(entry.id, contact, values, ()))
            continue
        changed = tuple(
            name for name, new, old in zip(ROSTER_FIELDS, values, entry.values, strict=True)
            if new != old
        )  # fmt: skip
        if entry.missing:
            changed += ("missing_since",)
        diff.updated.append(ContactUpdate(entry.id, contact, values, changed))
    for email, entry in register.items():
        if email in seen:
            continue
        vanished = entry.sources & imported_sources
        if not vanished:
            continue
        others = tuple(sorted(entry.sources - imported_sources))
        found = MissingContact(entry.id, email, tuple(sorted(vanished)), entry.missing, others)
        (diff.left if others else diff.missing).append(found)
    return diff
