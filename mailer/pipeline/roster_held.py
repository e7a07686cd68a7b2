"""Roster rows that name a pending or retired contact: the import updates their details but
never their status (a roster may lag behind a person who told us they left, and a pending
contact waits for a coordinator, not for a file). Each such row gets a warning, so the
coordinator sees why the person is not mailed."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from mailer.core.models import ContactStatus
from mailer.core.roster.merge import RegisterDiff
from mailer.core.roster.rows import RosterProblem
from mailer.store.contacts import held_back

__all__ = ["held_back_warnings"]

_WHY = {
    ContactStatus.RETIRED.value: "has left the role (retired): not mailed; a coordinator may "
    "reactivate them",
    ContactStatus.PENDING.value: "waits for a coordinator's approval (pending): not mailed "
    "until approved",
}


def held_back_warnings(conn: Connection, diff: RegisterDiff) -> list[RosterProblem]:
    seen = diff.updated + diff.unchanged
    held = held_back(conn, [u.id for u in seen])
    return [
        RosterProblem(
            file=u.contact.file,
            line=u.contact.line,
            column=None,
            reason=f"{u.contact.email} {_WHY[held[u.id]]}",
        )
        for u in seen
        if u.id in held
    ]
