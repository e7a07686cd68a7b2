"""Shared by the schedule and send page tests: an edition in the database (imported like a
coordinator does, approved through the pipeline), contacts in every variant, the three roles."""

from __future__ import annotations

from pathlib import Path

from mailer.core.accounts import UiLanguage, UserRole
from mailer.pipeline import Context
from mailer.pipeline.editions.check import approve_edition
from tests.accounts_support import make_user
from tests.editions_data import import_letters
from tests.test_send_support import add_contacts, people

FIXTURE_LETTER = Path(__file__).resolve().parent / "fixtures" / "letters" / "minimal.yaml"
ADMIN = "aino.admin@vip.example"
APPROVER = "bo.godkannare@vip.example"
COORDINATOR = "kaisa.koordinaattori@vip.example"


def add_people(ctx: Context) -> None:
    make_user(ctx, ADMIN, UserRole.ADMIN, name="Aino Admin", language=UiLanguage.EN)
    make_user(ctx, APPROVER, UserRole.APPROVER, name="Bo Berg", language=UiLanguage.SV)
    make_user(ctx, COORDINATOR, UserRole.COORDINATOR, name="Kaisa Koordinaattori")


def add_edition(ctx: Context, tmp_path: Path, month: str, *, approve: bool = True) -> None:
    """The minimal fixture letter as `month`, imported (and approved with a recorded reason, so
    a dated item in the past never stops a test)."""
    folder = tmp_path / "letters"
    folder.mkdir(exist_ok=True)
    text = FIXTURE_LETTER.read_text(encoding="utf-8").replace("month: 2026-11", f"month: {month}")
    (folder / f"{month}.yaml").write_text(text, encoding="utf-8")
    import_letters(ctx, folder / f"{month}.yaml")
    if approve:
        approve_edition(ctx, month, "Bo Berg", override="test edition")


def add_recipients(ctx: Context, n: int = 20) -> None:
    """`n` active contacts spread over the ten variants (two each for n=20)."""
    add_contacts(ctx.engine, people(n))
