"""Roster rows that name a pending or retired contact: the import updates their details but
never their status (a roster may lag behind a person who told us they left, and a pending
contact waits for a coordinator, not for a file). Each such row gets a warning, so the
coordinator sees why the person is not mailed."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from mailer.core.models import ContactStatus
from mailer.core.roster.merge import RegisterDiff
from mailer.core.roster.reasons import Reason, RosterCode
from mailer.core.roster.rows import RosterProblem
from mailer.store.contacts import held_back

__all__ = ["held_back_warnings"]

_WHY = {
    ContactStatus.RETIRED.value: RosterCode.HELD_RETIRED,
    ContactStatus.PENDING.value: RosterCode.HELD_PENDING,
}


def held_back_warnings(conn: Connection, diff: RegisterDiff) -> list[RosterProblem]:
    seen = diff.updated + diff.unchanged
    held = held_back(conn, [u.id for u in seen])
    return [
        RosterProblem.of(
            u.contact.file,
            u.contact.line,
            None,
            Reason.of(_WHY[held[u.id]], email=u.contact.email),
        )
        for u in seen
        if u.id in held
    ]
