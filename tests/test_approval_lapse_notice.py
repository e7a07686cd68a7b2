"""A change after an approval mails the approver (once, in their workspace language, with the
approval page's link), after the revision is committed, on every saving path and both backends;
nobody is mailed without an approval, for their own change or on a disabled account; a provider
that refuses leaves the revision saved and the failure in the audit log."""

from __future__ import annotations

import logging
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from pydantic import SecretStr

from mailer.core.accounts import AuditAction, UiLanguage, UserRole
from mailer.pipeline.editions import approval
from mailer.pipeline.editions.check import approval_status
from mailer.pipeline.editions.lapse_notice import OUTBOX_FOLDER
from mailer.pipeline.editions.revisions import export_edition, import_text, new_edition
from mailer.pipeline.editions.workspace import save_edition
from mailer.pipeline.user_admin import disable as disable_user
from tests.accounts_support import ClockContext, cheap_hashing, clock_ctx, make_user
from tests.editions_data import import_letters
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.review_support import (
    APPROVER,
    COORDINATOR,
    MONTH,
    SECOND_APPROVER,
    edition,
    entries,
    people,
)

__all__ = ["cheap_hashing", "clock_ctx", "edition", "people"]

pytestmark = pytest.mark.usefixtures("cheap_hashing", "people", "edition")
ENGLISH_APPROVER = "emma.approver@vip.example"
LINK = f"https://vipu.example/editions/{MONTH}/approval"
PATHS = ("editor", "import", "upload")


def _approve(ctx: ClockContext, email: str, name: str) -> None:
    approval.approve(ctx, MONTH, approval.Approver(email, (email, name), email))
    ctx.advance(minutes=5)


def _change(ctx: ClockContext, by: str, path: str = "editor", word: str = "nyt") -> int:
    """A new revision by `by` (the intro gets one more word) through one of the saving paths:
    the workspace editor's save, `mailer edition import`, or the workspace's upload."""
    latest = export_edition(ctx, MONTH)
    text = latest.text.replace("kerromme", f"kerromme {word}", 1)
    if path == "editor":
        number = save_edition(ctx, MONTH, text, by, latest.number).revision.number
    elif path == "import":
        file = ctx.settings.var_dir / f"{MONTH}.yaml"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
        number = import_letters(ctx, file, by=by)[0].revision.number
    else:
        number = import_text(ctx, f"{MONTH}.yaml", text, by).revision.number
    ctx.advance(minutes=5)
    return number


def _outbox(ctx: ClockContext) -> list[EmailMessage]:
    folder = ctx.settings.outbox_dir / OUTBOX_FOLDER / "test"
    return [
        message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def _notices(ctx: ClockContext) -> list[str]:
    return [e.detail for e in entries(ctx) if e.action is AuditAction.APPROVAL_LAPSE_NOTICE]


@pytest.mark.parametrize("path", PATHS)
def test_a_change_after_approval_mails_the_approver_once_in_swedish_with_the_link(
    clock_ctx: ClockContext, path: str
) -> None:
    _approve(clock_ctx, APPROVER, "Bo Berg")  # Bo's workspace is in Swedish
    assert _change(clock_ctx, COORDINATOR, path) == 2
    assert approval_status(clock_ctx, MONTH).state == "draft"  # saved whatever the mail did
    [notice] = _outbox(clock_ctx)
    assert notice["To"].addresses[0].addr_spec == APPROVER
    assert notice["Subject"] == f"VIPU {MONTH}: brevet du godkände har ändrats"
    assert notice["Auto-Submitted"] == "auto-generated"
    text = _text(notice)
    assert text.startswith("Hej Bo Berg,")
    assert f"{COORDINATOR} har ändrat VIPU-månadsbrevet {MONTH}" in text
    assert "Du godkände version 1, den senaste är nu version 2." in text
    assert LINK in text
    assert _notices(clock_ctx) == [
        f"approved revision 1 ({APPROVER}); notice sent to {APPROVER} (sv)"
    ]
    _change(clock_ctx, COORDINATOR, path, word="taas")  # the approval lapsed already: no more
    assert len(_outbox(clock_ctx)) == 1


@pytest.mark.parametrize(
    ("language", "subject", "numbers"),
    [
        (UiLanguage.FI, "hyväksymääsi kirjettä on muutettu", "Hyväksyit version 1, uusin on nyt"),
        (UiLanguage.EN, "the letter you approved has been changed", "You approved revision 1;"),
    ],
)
def test_the_notice_is_in_the_approvers_own_workspace_language(
    clock_ctx: ClockContext, language: UiLanguage, subject: str, numbers: str
) -> None:
    make_user(clock_ctx, ENGLISH_APPROVER, UserRole.APPROVER, name="Emma", language=language)
    _approve(clock_ctx, ENGLISH_APPROVER, "Emma")
    _change(clock_ctx, COORDINATOR, "import")
    [notice] = _outbox(clock_ctx)
    assert notice["To"].addresses[0].addr_spec == ENGLISH_APPROVER
    assert notice["Subject"] == f"VIPU {MONTH}: {subject}"
    assert numbers in _text(notice) and LINK in _text(notice)


def test_no_notice_without_an_approval(clock_ctx: ClockContext) -> None:
    _change(clock_ctx, COORDINATOR)
    _change(clock_ctx, SECOND_APPROVER, "import", word="taas")
    new_edition(clock_ctx, "2026-12", COORDINATOR)  # a month's first revision lapses nothing
    assert _outbox(clock_ctx) == [] and _notices(clock_ctx) == []


def test_no_notice_after_a_withdrawn_approval(clock_ctx: ClockContext) -> None:
    _approve(clock_ctx, APPROVER, "Bo Berg")
    approval.unapprove(clock_ctx, MONTH, APPROVER)
    _change(clock_ctx, COORDINATOR)
    assert _outbox(clock_ctx) == [] and _notices(clock_ctx) == []


@pytest.mark.parametrize("author", [APPROVER, "Bo Berg", "  bo.GODKANNARE@vip.example "])
def test_no_notice_when_the_approver_made_the_change(clock_ctx: ClockContext, author: str) -> None:
    _approve(clock_ctx, APPROVER, "Bo Berg")
    _change(clock_ctx, author, "import")
    assert approval_status(clock_ctx, MONTH).state == "draft"
    assert AuditAction.APPROVAL_LAPSED in [e.action for e in entries(clock_ctx)]
    assert _outbox(clock_ctx) == [] and _notices(clock_ctx) == []


def test_a_disabled_approver_gets_no_mail_and_the_log_says_why(clock_ctx: ClockContext) -> None:
    _approve(clock_ctx, APPROVER, "Bo Berg")
    disable_user(clock_ctx, APPROVER, actor="cli:test")
    _change(clock_ctx, COORDINATOR)
    assert _outbox(clock_ctx) == []
    assert _notices(clock_ctx) == [
        f"approved revision 1 ({APPROVER}); notice not sent: the account {APPROVER} is disabled"
    ]


def test_an_approval_by_a_name_without_an_account_is_noted_not_mailed(
    clock_ctx: ClockContext,
) -> None:
    approval.approve(clock_ctx, MONTH, approval.Approver("Pirkko P", ("Pirkko P",), "cli:pirkko"))
    _change(clock_ctx, COORDINATOR)
    assert _outbox(clock_ctx) == []
    [detail] = _notices(clock_ctx)
    assert detail.endswith("notice not sent: no workspace account is named Pirkko P")


@pytest.mark.parametrize("path", PATHS)
def test_a_refusing_provider_keeps_the_revision_and_records_the_failure(
    clock_ctx: ClockContext,
    fake_sendgrid: FakeSendGrid,
    caplog: pytest.LogCaptureFixture,
    path: str,
) -> None:
    _approve(clock_ctx, APPROVER, "Bo Berg")
    clock_ctx.settings = clock_ctx.settings.model_copy(
        update={
            "provider": "sendgrid",
            "sendgrid_api_key": SecretStr(fake_sendgrid.api_key),
            "sendgrid_host": fake_sendgrid.url,
        }
    )
    # 401: the key was revoked. Not retried (a 5xx would be, with real waits between tries).
    fake_sendgrid.inject("401")
    with caplog.at_level(logging.WARNING):
        assert _change(clock_ctx, COORDINATOR, path) == 2
    assert export_edition(clock_ctx, MONTH).number == 2
    assert approval_status(clock_ctx, MONTH).state == "draft"
    assert len(fake_sendgrid.attempts) == 1 and fake_sendgrid.requests == []
    [detail] = _notices(clock_ctx)
    assert detail.startswith(f"approved revision 1 ({APPROVER}); notice not sent: ")
    assert "401" in detail or "authoriz" in detail.lower()
    assert "notice not sent" in caplog.text
    assert fake_sendgrid.api_key not in caplog.text + detail
