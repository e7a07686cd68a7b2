"""The register counted per organisation as written, for the workspace's organisation list."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mailer.store.tables import contacts

__all__ = ["status_counts"]


def status_counts(conn: Connection, *, region: str | None = None) -> list[tuple[Any, ...]]:
    """(region, org_type, municipality, organisation, status, count): one row per spelling and
    status. The database counts; Python only merges spellings (few rows, whatever the register's
    size)."""
    c = contacts.c
    columns = (c.region, c.org_type, c.municipality, c.organisation, c.status)
    query = sa.select(*columns, sa.func.count()).group_by(*columns)
    if region is not None:
        query = query.where(c.region == region)
    return [tuple(row) for row in conn.execute(query)]
