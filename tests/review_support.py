"""Shared by the review tests (preview, test send, approval, dashboard): the people and the
November edition imported by the coordinator, through the pipeline (never the editor's pages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline.audit import audit_page
from mailer.store.audit import AuditRow
from tests.accounts_support import ClockContext, make_user
from tests.editions_data import import_letters

ROOT = Path(__file__).resolve().parent.parent
MONTH = "2026-11"
SAMPLE = ROOT / "letters" / f"{MONTH}.yaml"
COORDINATOR = "kaisa.koordinaattori@vip.example"
APPROVER = "bo.godkannare@vip.example"
SECOND_APPROVER = "aapo.hyvaksyja@vip.example"
ADMIN = "aino.admin@vip.example"


@pytest.fixture
def people(clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, ADMIN, UserRole.ADMIN, name="Aino Admin")
    make_user(clock_ctx, APPROVER, UserRole.APPROVER, name="Bo Berg", language=UiLanguage.SV)
    make_user(clock_ctx, SECOND_APPROVER, UserRole.APPROVER, name="Aapo Hyväksyjä")
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR, name="Kaisa Koordinaattori")


@pytest.fixture
def edition(clock_ctx: ClockContext) -> str:
    """November, revision 1, saved by the coordinator."""
    import_letters(clock_ctx, SAMPLE, by=COORDINATOR)
    return MONTH


def entries(ctx: ClockContext) -> list[AuditRow]:
    """The audit log, oldest first."""
    return list(reversed(audit_page(ctx).rows))
